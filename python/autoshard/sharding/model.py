"""The sharding model: which grid axes split which tensor dimension, and which
grid axes hold partial (not yet reduced) values.

`Sharding.split_axes[d]` lists the grid axes that split tensor dimension d,
major to minor: with split_axes[d] = (a0, a1) the shard index along d is
c[a0] * size(a1) + c[a1], as in the LLVM `shard` dialect.  `partial_axes` are
grid axes over which the per-device values must still be combined with
`partial_kind` (sum, max, ...) to obtain the logical tensor; LLVM 22 dropped
this from its sharding attribute, so autoshard keeps it in its own model and
writes it to IR as discardable attributes (see `ir_convert`).

Uneven splits and halos (the `sharded_dims_offsets` and `halo_sizes` of the
shard dialect):
- a split dimension is cut into *balanced* blocks unless `offsets[d]` lists
  its n+1 boundaries: block i is [i*q + min(i, r), (i+1)*q + min(i+1, r))
  for size = q*n + r, so a dimension that divides n gets its even split and
  10 on 4 devices gets [0, 3, 6, 8, 10];
- `halo_sizes[d] = (lo, hi)`: a device's local tensor holds its block of an
  (evenly) split dimension d plus `lo` rows before and `hi` rows after it
  (filled by `shard.update_halo`; at the ends of the grid they hold nothing
  meaningful).
`local_shape` is the busiest device's shape (largest block plus halos: what
memory and time are costed by); `spmd_shape` is the shape of the SPMD value,
with -1 (dynamic) where the devices' blocks differ, as upstream's partition
types it.

Canonical form: trailing unsplit dimensions are dropped, partial axes sorted,
`partial_kind` is "sum" when there are no partial axes, zero halos are
dropped; `canonical(grid, shape)` also drops offsets equal to the balanced
split (checked against the tensor first: offsets of another count or size
are an error, not balanced).  Everything that can
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


# A grid axis whose size is known only at run time (`shard.grid @g(shape = ?)`).
DYNAMIC = -1


@dataclass(frozen=True)
class Grid:
    """A named device grid.  An axis of size DYNAMIC is known only at run
    time: such a grid can be partitioned for (local sizes over that axis come
    from `shard.grid_shape`), not planned or simulated until `instantiate`
    gives it sizes."""

    name: str
    shape: tuple[int, ...]

    def __post_init__(self):
        object.__setattr__(self, "shape", tuple(DYNAMIC if int(s) < 0 else int(s) for s in self.shape))
        if not self.shape:
            raise ShardingError(f"grid '@{self.name}' has no axes")
        if any(s == 0 for s in self.shape):
            raise ShardingError(f"grid '@{self.name}' has an axis of size 0 in shape {self.shape_text}")
        static = prod(s for s in self.shape if s > 0)
        if static > MAX_DEVICES:
            raise ShardingError(f"grid '@{self.name}' of shape {self.shape_text} has {static} devices, "
                                f"more than the {MAX_DEVICES} (2^31 - 1) autoshard plans for")

    @property
    def is_static(self) -> bool:
        return DYNAMIC not in self.shape

    @property
    def dynamic_axes(self) -> tuple[int, ...]:
        return tuple(a for a, s in enumerate(self.shape) if s == DYNAMIC)

    def instantiate(self, sizes) -> "Grid":
        """This grid with its dynamic axes given `sizes` (one per dynamic
        axis, or one for all of them)."""
        sizes = tuple(int(s) for s in sizes)
        dyn = self.dynamic_axes
        if len(sizes) == 1:
            sizes = sizes * len(dyn)
        if len(sizes) != len(dyn) or any(s <= 0 for s in sizes):
            axes = "axis" if len(dyn) == 1 else "axes"
            raise ShardingError(f"grid '@{self.name}' of shape {self.shape_text} has {len(dyn)} dynamic {axes}; "
                                f"sizes {'x'.join(map(str, sizes))} do not fill them")
        given = dict(zip(dyn, sizes))
        return Grid(self.name, tuple(given.get(a, s) for a, s in enumerate(self.shape)))

    def accepts(self, shape) -> bool:
        """Whether static `shape` is this grid with its dynamic axes filled."""
        return len(shape) == self.rank and all(s == DYNAMIC or s == t for s, t in zip(self.shape, shape))

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def num_devices(self) -> int:
        self._require_static("has no fixed device count")
        return prod(self.shape)

    @property
    def shape_text(self) -> str:
        return "x".join("?" if s == DYNAMIC else str(s) for s in self.shape)

    def group_size(self, axes) -> int:
        """Devices in a group over `axes`; DYNAMIC if one of them is."""
        sizes = [self.shape[a] for a in axes]
        return DYNAMIC if DYNAMIC in sizes else prod(sizes)

    def divides(self, size: int, axes) -> bool:
        """Whether a dimension of `size` (negative: dynamic) can be split
        over `axes`: evenly for a static group; for a dynamic one, a static
        size above 1 is assumed to divide at run time, as upstream does."""
        n = self.group_size(axes)
        if n == DYNAMIC:
            return size > 1
        return size >= 0 and size % n == 0

    def _require_static(self, what: str) -> None:
        if not self.is_static:
            raise ShardingError(f"grid '@{self.name}' of shape {self.shape_text} {what}: it has a dynamic axis")

    # -- devices (LLVM 22 shard semantics) -----------------------------------
    def devices(self) -> list[tuple[int, ...]]:
        """All device multi-indices, row-major."""
        self._require_static("has no fixed set of devices")
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


def balanced_offsets(size: int, n: int) -> tuple[int, ...]:
    """The n+1 boundaries of `size` cut into n blocks whose sizes differ by
    at most one, the larger ones first (10 on 4: 0, 3, 6, 8, 10)."""
    q, r = divmod(size, n)
    return tuple(i * q + min(i, r) for i in range(n + 1))


def _trim(entries: list, empty) -> tuple:
    while entries and entries[-1] == empty:
        entries.pop()
    return tuple(entries)


@dataclass(frozen=True)
class Sharding:
    grid: str
    split_axes: tuple[tuple[int, ...], ...] = ()
    partial_axes: tuple[int, ...] = ()
    partial_kind: str = "sum"
    # Per tensor dimension: explicit block boundaries, () for balanced blocks.
    offsets: tuple[tuple[int, ...], ...] = ()
    # Per tensor dimension: (lo, hi) halo rows, (0, 0) for none.
    halo_sizes: tuple[tuple[int, int], ...] = ()

    def __post_init__(self):
        split = [tuple(int(a) for a in axes) for axes in self.split_axes]
        while split and not split[-1]:
            split.pop()
        object.__setattr__(self, "split_axes", tuple(split))
        object.__setattr__(self, "partial_axes", tuple(sorted(int(a) for a in self.partial_axes)))
        if not self.partial_axes:
            object.__setattr__(self, "partial_kind", "sum")
        offsets = [tuple(int(o) for o in offs) for offs in self.offsets]
        object.__setattr__(self, "offsets", _trim(offsets, ()))
        halos = [(int(lo), int(hi)) for lo, hi in self.halo_sizes]
        object.__setattr__(self, "halo_sizes", _trim(halos, (0, 0)))

    # -- construction helpers -------------------------------------------------
    @classmethod
    def replicated(cls, grid: str) -> "Sharding":
        return cls(grid)

    def with_split(self, split_axes) -> "Sharding":
        """The same partial axes with other split axes (balanced, no halos)."""
        return Sharding(self.grid, tuple(split_axes), self.partial_axes, self.partial_kind)

    def without_partial(self) -> "Sharding":
        return Sharding(self.grid, self.split_axes, offsets=self.offsets, halo_sizes=self.halo_sizes)

    def without_halos(self) -> "Sharding":
        return Sharding(self.grid, self.split_axes, self.partial_axes, self.partial_kind, self.offsets)

    def with_halos(self, halo_sizes) -> "Sharding":
        return Sharding(self.grid, self.split_axes, self.partial_axes, self.partial_kind, self.offsets,
                        tuple(halo_sizes))

    def canonical(self, grid: Grid, shape) -> "Sharding":
        """This layout with the explicit offsets that equal the balanced split
        of `shape` dropped (after `check`)."""
        if not self.offsets:
            return self
        offsets = tuple(() if offs == balanced_offsets(shape[d], grid.group_size(self.dim_axes(d))) else offs
                        for d, offs in enumerate(self.offsets))
        return Sharding(self.grid, self.split_axes, self.partial_axes, self.partial_kind, offsets, self.halo_sizes)

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

    def dim_offsets(self, dim: int) -> tuple[int, ...]:
        return self.offsets[dim] if dim < len(self.offsets) else ()

    def dim_halo(self, dim: int) -> tuple[int, int]:
        return self.halo_sizes[dim] if dim < len(self.halo_sizes) else (0, 0)

    @property
    def has_halos(self) -> bool:
        return bool(self.halo_sizes)

    def shard_counts(self, grid: Grid, rank: int) -> tuple[int, ...]:
        return tuple(grid.group_size(self.dim_axes(d)) for d in range(rank))

    def boundaries(self, grid: Grid, dim: int, size: int) -> tuple[int, ...]:
        """The n+1 block boundaries of dimension `dim` (of `size`)."""
        return self.dim_offsets(dim) or balanced_offsets(size, grid.group_size(self.dim_axes(dim)))

    def is_uneven(self, grid: Grid, shape, dim: int) -> bool:
        """Do the devices hold blocks of different sizes along `dim`?"""
        n = grid.group_size(self.dim_axes(dim))
        # A dynamic dimension, or a dynamic group, splits as upstream splits
        # it: evenly, at run time.
        return n > 1 and (bool(self.dim_offsets(dim)) or (shape[dim] >= 0 and shape[dim] % n != 0))

    def uneven_dims(self, grid: Grid, shape) -> tuple[int, ...]:
        return tuple(d for d in range(len(shape)) if self.is_uneven(grid, shape, d))

    def _largest_block(self, grid: Grid, dim: int, size: int) -> int:
        n = grid.group_size(self.dim_axes(dim))
        if n == DYNAMIC:
            return -1
        if n == 1 or size < 0:
            return size
        if not self.dim_offsets(dim):
            return -(-size // n)
        b = self.dim_offsets(dim)
        return max(b[i + 1] - b[i] for i in range(n))

    def local_shape(self, grid: Grid, shape) -> tuple[int, ...]:
        """The busiest device's shape (largest block, plus halos); assumes
        `check` passed.  A dimension that is dynamic, or split over a
        dynamic grid axis, is dynamic (-1)."""
        out = []
        for d, s in enumerate(shape):
            block = self._largest_block(grid, d, s)
            out.append(-1 if block < 0 else block + sum(self.dim_halo(d)))
        return tuple(out)

    def spmd_shape(self, grid: Grid, shape) -> tuple[int, ...]:
        """The local type's shape in the SPMD program: -1 (dynamic) along a
        dimension whose blocks differ between devices."""
        local = self.local_shape(grid, shape)
        return tuple(-1 if self.is_uneven(grid, shape, d) else s for d, s in enumerate(local))

    def shard_index(self, grid: Grid, dim: int, device) -> int:
        pos = 0
        for a in self.dim_axes(dim):
            pos = pos * grid.shape[a] + device[a]
        return pos

    def block(self, grid: Grid, shape, device) -> tuple[tuple[int, int], ...]:
        """Per dimension, the [start, stop) of `device`'s core block (its
        halos excluded) in the global tensor."""
        out = []
        for d, size in enumerate(shape):
            if not self.dim_axes(d):
                out.append((0, size))
                continue
            b = self.boundaries(grid, d, size)
            i = self.shard_index(grid, d, device)
            out.append((b[i], b[i + 1]))
        return tuple(out)

    def num_shards(self, grid: Grid) -> int:
        """How many distinct pieces the tensor is cut into (partial counts
        too); DYNAMIC on a dynamic group."""
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
        if len(self.offsets) > len(shape) or len(self.halo_sizes) > len(shape):
            raise ShardingError(f"sharding has offsets or halos for more dimensions than the tensor's rank {len(shape)}")
        for d, axes in enumerate(self.split_axes):
            if not axes:
                continue
            n = grid.group_size(axes)
            # A dynamic dimension, or a dynamic group, is split as upstream
            # splits it: its size must divide at run time.
            if shape[d] < 0 or n == DYNAMIC:
                continue
            if shape[d] == 1 and n > 1:
                raise ShardingError(f"dimension {d} has size 1 and cannot be split")
            if shape[d] < n:
                raise ShardingError(f"dimension {d} of size {shape[d]} cannot be split into {n} shards")
        for d in range(len(shape)):
            self._check_offsets(grid, d, shape[d])
            self._check_halo(grid, d, shape[d])

    def _check_offsets(self, grid: Grid, d: int, size: int) -> None:
        offs = self.dim_offsets(d)
        axes = self.dim_axes(d)
        if not offs:
            return
        if not axes:
            raise ShardingError(f"sharded_dims_offsets given for dimension {d}, which is not split")
        if size < 0 or grid.group_size(axes) == DYNAMIC:
            raise ShardingError(f"sharded_dims_offsets of dimension {d} need a static dimension and static grid axes")
        if len(axes) > 1:
            raise ShardingError(f"sharded_dims_offsets for dimension {d}, split over several grid axes "
                                f"{list(axes)}, are not supported (one grid axis per unevenly split dimension)")
        n = grid.group_size(axes)
        if len(offs) != n + 1:
            raise ShardingError(f"dimension {d} is split into {n} shards and needs {n + 1} sharded_dims_offsets, "
                                f"got {len(offs)}")
        if any(b < a for a, b in zip(offs, offs[1:])):
            raise ShardingError(f"sharded_dims_offsets of dimension {d} must be non-decreasing, got {list(offs)}")
        if offs[0] != 0 or offs[-1] != size:
            raise ShardingError(f"sharded_dims_offsets of dimension {d} must run from 0 to its size {size}, "
                                f"got {list(offs)}")

    def _check_halo(self, grid: Grid, d: int, size: int) -> None:
        lo, hi = self.dim_halo(d)
        if (lo, hi) == (0, 0):
            return
        axes = self.dim_axes(d)
        if lo < 0 or hi < 0:
            raise ShardingError(f"halo sizes of dimension {d} must be non-negative, got [{lo}, {hi}]")
        if not axes:
            raise ShardingError(f"halo sizes given for dimension {d}, which is not split")
        if size < 0 or grid.group_size(axes) == DYNAMIC:
            raise ShardingError(f"halo sizes of dimension {d} need a static dimension and static grid axes")
        n = grid.group_size(axes)
        if self.dim_offsets(d) or size % n:
            raise ShardingError(f"halo sizes need an even split: dimension {d} of size {size} on {n} shards")
        if max(lo, hi) > size // n:
            raise ShardingError(f"halo [{lo}, {hi}] of dimension {d} is larger than its block of {size // n} "
                                f"(halos come from the immediate neighbours)")

    # -- text -----------------------------------------------------------------
    def __str__(self) -> str:
        text = "[" + ", ".join("[" + ", ".join(map(str, a)) + "]" for a in (self.split_axes or ((),))) + "]"
        if self.partial_axes:
            text += f" partial={self.partial_kind}[" + ", ".join(map(str, self.partial_axes)) + "]"
        if self.offsets:
            text += " offsets=" + str([list(o) for o in self.offsets]).replace(" ", "")
        if self.halo_sizes:
            text += " halos=" + str([list(h) for h in self.halo_sizes]).replace(" ", "")
        return text
