"""The sharding model: which grid axes split which tensor dimension, and which
grid axes hold partial (not yet reduced) values.

`Sharding.split_axes[d]` lists the grid axes that split tensor dimension d,
major to minor: with split_axes[d] = (a0, a1) the shard index along d is
c[a0] * size(a1) + c[a1], as in the LLVM `shard` dialect.  `partial_axes` are
grid axes over which the per-device values must still be combined with
`partial_kind` (sum, max, ...) to obtain the logical tensor; LLVM 22 dropped
this from its sharding attribute, so autoshard keeps it in its own model and
writes it to IR as discardable attributes (see `ir_convert`).

Canonical form: trailing unsplit dimensions are dropped, partial axes sorted,
`partial_kind` is "sum" when there are no partial axes.  Everything that can
be wrong with a sharding is checked in `Sharding.check` / `Grid.__post_init__`
and reported as `ShardingError`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import prod

REDUCTIONS = ("sum", "max", "min", "product")
# Device counts are products of grid sizes; beyond this they stop being
# machines (and numpy's 64-bit index arithmetic overflows on their products).
MAX_DEVICES = (1 << 31) - 1
# Elements of 8 bytes at most: their byte count stays a signed 64-bit integer.
MAX_ELEMENTS = ((1 << 63) - 1) // 8


class ShardingError(ValueError):
    """A sharding or grid that is not valid for the tensor or grid it names."""


@dataclass(frozen=True)
class Grid:
    name: str
    shape: tuple[int, ...]

    def __post_init__(self):
        object.__setattr__(self, "shape", tuple(int(s) for s in self.shape))
        if not self.shape:
            raise ShardingError(f"grid '@{self.name}' has no axes")
        for s in self.shape:
            if s <= 0:
                raise ShardingError(
                    f"grid '@{self.name}' has a non-positive or dynamic axis size in shape {self.shape_text}"
                )
        if prod(self.shape) > MAX_DEVICES:
            raise ShardingError(f"grid '@{self.name}' of shape {self.shape_text} has {prod(self.shape)} devices, "
                                f"more than the {MAX_DEVICES} (2^31 - 1) autoshard plans for")

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def num_devices(self) -> int:
        return prod(self.shape)

    @property
    def shape_text(self) -> str:
        return "x".join(str(s) for s in self.shape)

    def group_size(self, axes) -> int:
        return prod(self.shape[a] for a in axes)

    # -- devices (LLVM 22 shard semantics) -----------------------------------
    def devices(self) -> list[tuple[int, ...]]:
        """All device multi-indices, row-major."""
        return list(itertools.product(*(range(s) for s in self.shape)))

    def linear_index(self, dev) -> int:
        idx = 0
        for a, c in enumerate(dev):
            idx = idx * self.shape[a] + c
        return idx

    def group(self, dev, axes) -> list[tuple[int, ...]]:
        """The devices sharing `dev`'s coordinates on every axis not in
        `axes`, in in-group-index order."""
        members = []
        for coords in itertools.product(*(range(self.shape[a]) for a in axes)):
            m = list(dev)
            for a, c in zip(axes, coords):
                m[a] = c
            members.append(tuple(m))
        return members

    def in_group_index(self, dev, axes) -> int:
        """Row-major index of (dev[a0], dev[a1], ...): a0 most significant, so
        axes [0, 1] and [1, 0] order the same devices differently."""
        idx = 0
        for a in axes:
            idx = idx * self.shape[a] + dev[a]
        return idx

    @staticmethod
    def parse_shape(text: str) -> tuple[int, ...]:
        """'2x4' -> (2, 4); raises ShardingError on anything else."""
        try:
            shape = tuple(int(p) for p in text.strip().split("x"))
        except ValueError:
            raise ShardingError(f"grid shape '{text}' is not of the form 2x4") from None
        if not shape or any(s <= 0 for s in shape):
            raise ShardingError(f"grid shape '{text}' must have positive sizes")
        return shape


@dataclass(frozen=True)
class Sharding:
    grid: str
    split_axes: tuple[tuple[int, ...], ...] = ()
    partial_axes: tuple[int, ...] = ()
    partial_kind: str = "sum"

    def __post_init__(self):
        split = [tuple(int(a) for a in axes) for axes in self.split_axes]
        while split and not split[-1]:
            split.pop()
        object.__setattr__(self, "split_axes", tuple(split))
        object.__setattr__(self, "partial_axes", tuple(sorted(int(a) for a in self.partial_axes)))
        if not self.partial_axes:
            object.__setattr__(self, "partial_kind", "sum")

    # -- construction helpers -------------------------------------------------
    @classmethod
    def replicated(cls, grid: str) -> "Sharding":
        return cls(grid)

    def with_split(self, split_axes) -> "Sharding":
        return Sharding(self.grid, tuple(split_axes), self.partial_axes, self.partial_kind)

    def without_partial(self) -> "Sharding":
        return Sharding(self.grid, self.split_axes)

    # -- queries --------------------------------------------------------------
    def dim_axes(self, dim: int) -> tuple[int, ...]:
        return self.split_axes[dim] if dim < len(self.split_axes) else ()

    def padded(self, rank: int) -> tuple[tuple[int, ...], ...]:
        return tuple(self.dim_axes(d) for d in range(rank))

    @property
    def split_axis_set(self) -> frozenset[int]:
        return frozenset(a for axes in self.split_axes for a in axes)

    @property
    def is_partial(self) -> bool:
        return bool(self.partial_axes)

    @property
    def is_replicated(self) -> bool:
        return not self.split_axes and not self.partial_axes

    def shard_counts(self, grid: Grid, rank: int) -> tuple[int, ...]:
        return tuple(grid.group_size(self.dim_axes(d)) for d in range(rank))

    def local_shape(self, grid: Grid, shape) -> tuple[int, ...]:
        """Per-device shape; assumes `check` passed."""
        return tuple(s // n for s, n in zip(shape, self.shard_counts(grid, len(shape))))

    def num_shards(self, grid: Grid) -> int:
        """How many distinct pieces the tensor is cut into (partial counts too)."""
        return grid.group_size(self.split_axis_set | set(self.partial_axes))

    # -- validation: the one place where a sharding is checked ----------------
    def check(self, grid: Grid, shape=None) -> None:
        if self.grid != grid.name:
            raise ShardingError(f"sharding names grid '@{self.grid}' but the grid is '@{grid.name}'")
        seen: set[int] = set()
        for axes in self.split_axes + (self.partial_axes,):
            for a in axes:
                if not 0 <= a < grid.rank:
                    raise ShardingError(
                        f"grid axis {a} is out of range for grid '@{grid.name}' of rank {grid.rank}"
                    )
                if a in seen:
                    raise ShardingError(f"grid axis {a} is used more than once in one sharding")
                seen.add(a)
        if self.partial_kind not in REDUCTIONS:
            raise ShardingError(f"unknown partial reduction '{self.partial_kind}'")
        if shape is None:
            return
        elements = prod(max(int(d), 1) for d in shape)
        if elements > MAX_ELEMENTS:
            raise ShardingError(f"tensor of shape {'x'.join(str(d) for d in shape)} has {elements} elements, "
                                f"too many for its byte count to fit in 64 bits")
        if len(self.split_axes) > len(shape):
            raise ShardingError(
                f"sharding has {len(self.split_axes)} split dimensions but the tensor has rank {len(shape)}"
            )
        for d, axes in enumerate(self.split_axes):
            if not axes:
                continue
            n = grid.group_size(axes)
            if shape[d] == 1 and n > 1:
                raise ShardingError(f"dimension {d} has size 1 and cannot be split")
            if shape[d] < 0:
                raise ShardingError(f"dimension {d} is dynamic and cannot be split")
            if shape[d] % n:
                raise ShardingError(
                    f"dimension {d} of size {shape[d]} is not divisible by {n} shards (grid axes {list(axes)})"
                )

    # -- text -----------------------------------------------------------------
    def __str__(self) -> str:
        text = "[" + ", ".join("[" + ", ".join(map(str, a)) + "]" for a in (self.split_axes or ((),))) + "]"
        if self.partial_axes:
            text += f" partial={self.partial_kind}[" + ", ".join(map(str, self.partial_axes)) + "]"
        return text
