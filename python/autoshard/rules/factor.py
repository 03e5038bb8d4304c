"""The general per-op factor description (as Shardy's sharding rules or the
indexing maps of MLIR's ShardingInterface).

An op is a loop nest over *factors*; each tensor dimension of an operand or
result is indexed by one factor or by none (a broadcast dimension of size 1,
or an operand that is never sharded such as a zero point).  A *strategy*
gives every factor the grid axes that split it (major to minor).  From a
strategy follow, with no op-specific code:
- each operand's required sharding: dimension d gets the axes of its factor;
- each result's sharding, plus *partial* axes: the axes of reduction factors
  (a split contraction leaves per-device partial sums);
- the compute per device: flops / product of the sizes of all used axes.

Enumeration gives every grid axis of size > 1 to one factor or to none, in
every major-to-minor order, keeping splits that divide the factor and, for
ops whose SPMD form is the op itself on local shapes (`plain_local`), also
*uneven* splits: one factor per strategy whose size does not divide its one
grid axis, cut into balanced blocks (10 on 4: 3, 3, 2, 2; see
sharding/model.py), costed by the busiest device's block.

Two refinements cover convolutions, pooling and data movement:
- a `Window` says that an operand dimension is read through a sliding window
  of a factor (input row = out_row * stride + tap * dilation - pad_lo).  When
  that factor is split, each device holds its block of input rows and needs
  `halo` more rows from each neighbour; a strategy is offered only where that
  halo is uniform (input size = output size * stride) and comes from the
  immediate neighbours.
- a factor that indexes a result dimension but no operand dimension (slice,
  pad, concat, reverse, tile on the dimension they move data along) is
  computed by each device for its own block of the result from an operand
  that is whole along that dimension: the device's position on the grid
  gives the offset (see rules/local.py).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import prod

from autoshard.sharding import Grid, Sharding

Strategy = tuple[tuple[int, ...], ...]  # per factor: grid axes, major to minor


def numel(shape) -> int:
    """Elements of a shape, a dynamic dimension (negative) counted as 1: the
    sizes autoshard can know.  Dynamic dimensions are never split."""
    return prod(s if s >= 0 else 1 for s in shape)


@dataclass(frozen=True)
class TensorInfo:
    shape: tuple[int, ...]
    dtype: str  # MLIR element type text, e.g. "f32"
    itemsize: int

    @property
    def nbytes(self) -> int:
        return numel(self.shape) * self.itemsize


@dataclass(frozen=True)
class StructuredInfo:
    """A linalg structured op, as the IR states it (read by graph/build.py
    with ir/linalg.py; what it means for sharding is rules/linalg.py's).

    `maps[k]` gives, per dimension of operand k (ins, then outs), the loop
    it is indexed by, or None for a constant or non-trivial expression;
    `expression_loops` are the loops read inside such expressions.  `body`
    is the region: (name, operand refs, extra) per op, refs ("arg", i),
    ("op", j) or ("outer", None); `yielded` the refs the region yields.
    `init_fills[i]` is the constant a `linalg.fill` gave output i's init,
    if so; `fused_fill` says that this op is a `linalg.fill` whose result
    only initialises structured ops (their accumulator start)."""

    n_inputs: int
    maps: tuple[tuple[int | None, ...], ...]
    loop_sizes: tuple[int, ...]
    iterators: tuple[str, ...]
    expression_loops: frozenset[int]
    body: tuple[tuple[str, tuple[tuple[str, int | None], ...], object], ...]
    yielded: tuple[tuple[str, int | None], ...]
    init_fills: tuple[object, ...] = ()
    fused_fill: bool = False


@dataclass(frozen=True)
class OpInfo:
    """What a rule may look at: MLIR-free."""

    name: str
    operands: tuple[TensorInfo | None, ...]  # None: not a ranked tensor (e.g. !tosa.shape)
    results: tuple[TensorInfo | None, ...]
    attrs: tuple[tuple[str, object], ...] = ()
    # Per operand: the values of a constant shape operand (tosa.const_shape:
    # slice starts, pad amounts, tile multiples), else None.
    shape_values: tuple[tuple[int, ...] | None, ...] = ()
    structured: StructuredInfo | None = None  # linalg structured ops

    def attr(self, key, default=None):
        return dict(self.attrs).get(key, default)

    def shape_value(self, k: int) -> tuple[int, ...] | None:
        return self.shape_values[k] if k < len(self.shape_values) else None


@dataclass(frozen=True)
class Window:
    """Operand `operand`, dimension `dim`, is read through a sliding window
    over factor `factor`: input index = out * stride + tap * dilation - pad_lo,
    tap in [0, kernel)."""

    operand: int
    dim: int
    factor: int
    stride: int
    kernel: int
    dilation: int
    pad_lo: int
    pad_hi: int

    def halo(self, in_size: int, out_size: int, shards: int) -> tuple[int, int] | None:
        """(rows from the previous device, rows from the next) when the
        output is cut into `shards` blocks, or None when the blocks of input
        rows do not line up with the blocks of output rows.  A negative
        second entry means the device's last rows are not read."""
        if shards == 1:
            return (0, 0)
        if in_size != out_size * self.stride or in_size % shards:
            return None
        block = in_size // shards
        lo = self.pad_lo
        hi = (self.kernel - 1) * self.dilation + 1 - self.stride - self.pad_lo
        if lo > block or hi > block or hi > self.pad_hi:
            return None
        extended = lo + block + max(hi, 0)
        if (extended - (self.kernel - 1) * self.dilation - 1) // self.stride + 1 != out_size // shards:
            return None
        return (lo, hi)


@dataclass(frozen=True)
class Factor:
    name: str
    size: int
    reduction: str | None = None  # None: parallel; else the partial kind it leaves


@dataclass(frozen=True)
class FactorRule:
    factors: tuple[Factor, ...]
    operands: tuple[tuple[int | None, ...] | None, ...]  # per operand dim -> factor; None: never sharded
    results: tuple[tuple[int | None, ...], ...]
    flops: int
    windows: tuple[Window, ...] = ()
    operand_shapes: tuple[tuple[int, ...] | None, ...] = ()  # for windows: operand sizes
    # The bytes the op moves (the roofline's traffic): the operands it reads
    # (None: all of them) and whether it writes its results.  A linalg init
    # that the body never reads, or a fill folded into its consumers, moves
    # nothing.
    read_operands: tuple[int, ...] | None = None
    writes_results: bool = True

    # The SPMD form is the same op on local operands (no shape operand,
    # offset or halo of its own, see rules/local.py): blocks of any size work.
    plain_local: bool = True

    def reads(self, k: int) -> bool:
        return self.read_operands is None or k in self.read_operands

    # -- strategy enumeration -------------------------------------------------
    def strategies(self, grid: Grid) -> list[Strategy]:
        """All strategies, the fully replicated one first, in a fixed order."""
        axes = [a for a in range(grid.rank) if grid.shape[a] > 1]
        choices = [None] + list(range(len(self.factors)))
        found: list[Strategy] = []
        seen: set[Strategy] = set()
        for pick in itertools.product(choices, repeat=len(axes)):
            groups: list[list[int]] = [[] for _ in self.factors]
            for axis, f in zip(axes, pick):
                if f is not None:
                    groups[f].append(axis)
            per_factor = [list(itertools.permutations(g)) if g else [()] for g in groups]
            for combo in itertools.product(*per_factor):
                strat = tuple(tuple(c) for c in combo)
                if strat in seen or not self._divides(grid, strat):
                    continue
                seen.add(strat)
                found.append(strat)
        return found

    def _divides(self, grid: Grid, strat: Strategy) -> bool:
        uneven = 0
        for f, (factor, a) in enumerate(zip(self.factors, strat)):
            if a and factor.size <= 1:
                return False
            if factor.size % grid.group_size(a):
                if not self.can_split_unevenly(grid, f, a):
                    return False
                uneven += 1
        if uneven > 1:
            return False
        return all(self.halo(grid, strat, w) is not None for w in self.windows)

    def can_split_unevenly(self, grid: Grid, f: int, axes) -> bool:
        """May factor f be cut over `axes` into balanced blocks of different
        sizes?  Only for plain local ops, over one grid axis (upstream's
        sharded_dims_offsets count one axis's shards), never a windowed
        factor (halos need even blocks), and with no empty block.  (The ops
        with output-only factors that compute offsets from even blocks --
        slice, pad, concat, tile, reverse -- are not plain local.)"""
        return (self.plain_local and len(axes) == 1 and self.factors[f].size >= grid.group_size(axes)
                and not any(w.factor == f for w in self.windows))

    def effective_shards(self, grid: Grid, strat: Strategy) -> float:
        """How many times less work the busiest device does than one device
        doing all: the product over factors of size / largest block."""
        out = 1.0
        for factor, a in zip(self.factors, strat):
            n = grid.group_size(a)
            if n > 1:
                out *= factor.size / -(-factor.size // n)
        return out

    def pointwise(self, f: int) -> bool:
        """Does a result element along factor f depend only on operand
        elements at the same index of f?  (Halos can then be carried
        through: the op computes the halo rows of its result too.)"""
        return (self.plain_local and self.factors[f].reduction is None
                and not any(w.factor == f for w in self.windows) and f not in self.output_only_factors())

    def valid(self, grid: Grid, strat: Strategy) -> bool:
        return self._divides(grid, strat)

    def halo(self, grid: Grid, strat: Strategy, w: Window) -> tuple[int, int] | None:
        """The halo window `w` needs under `strat` (see Window.halo)."""
        shape = self.operand_shapes[w.operand]
        assert shape is not None  # a window reads a ranked operand
        in_size = shape[w.dim]
        return w.halo(in_size, self.factors[w.factor].size, grid.group_size(strat[w.factor]))

    def output_only_factors(self) -> tuple[int, ...]:
        """Factors that index a result but no operand dimension."""
        read = {f for dims in self.operands if dims is not None for f in dims if f is not None}
        return tuple(f for f in range(len(self.factors))
                     if f not in read and any(f in dims for dims in self.results))

    # -- what a strategy implies ----------------------------------------------
    def operand_sharding(self, grid: Grid, strat: Strategy, i: int) -> Sharding:
        dims = self.operands[i]
        if dims is None:
            return Sharding(grid.name)
        return Sharding(grid.name, tuple(strat[f] if f is not None else () for f in dims))

    def result_sharding(self, grid: Grid, strat: Strategy, i: int = 0) -> Sharding:
        split = tuple(strat[f] if f is not None else () for f in self.results[i])
        partial = tuple(a for f, axes in zip(self.factors, strat) if f.reduction for a in axes)
        kinds = {f.reduction for f, axes in zip(self.factors, strat) if f.reduction and axes}
        kind = kinds.pop() if len(kinds) == 1 else "sum"
        return Sharding(grid.name, split, partial, kind)

    def shards(self, grid: Grid, strat: Strategy) -> int:
        return prod(grid.group_size(a) for a in strat)

    def describe(self, strat: Strategy, grid: Grid | None = None) -> str:
        """"m:[0], k:[1]"; with the grid, an uneven split is marked "(uneven)"."""
        def uneven(f: Factor, a) -> str:
            return " (uneven)" if grid is not None and f.size % grid.group_size(a) else ""

        parts = [f"{f.name}:{list(a)}{uneven(f, a)}" for f, a in zip(self.factors, strat) if a]
        return ", ".join(parts) if parts else "replicated"

    def infer_strategy(self, grid: Grid, operand_shardings, result_sharding: Sharding | None) -> Strategy:
        """The strategy that consumes the given operand shardings with the
        fewest reshardings: each factor takes the axes of the first operand
        (then result) dimension that carries it, unless those axes are already
        taken by another factor or do not divide it; reduction factors take the
        result's partial axes when the operands leave them open."""
        assigned: list[tuple[int, ...] | None] = [None] * len(self.factors)
        used: set[int] = set()
        sources = [(self.operands[i], s) for i, s in enumerate(operand_shardings) if s is not None]
        if result_sharding is not None:
            sources.append((self.results[0], result_sharding))
        for dims, sh in sources:
            if dims is None:
                continue
            for d, f in enumerate(dims):
                if f is None or assigned[f] is not None:
                    continue
                axes = sh.dim_axes(d)
                if not axes:
                    continue
                if used & set(axes):
                    continue
                if not grid.divides(self.factors[f].size, axes) and not self.can_split_unevenly(grid, f, axes):
                    continue
                assigned[f] = axes
                used |= set(axes)
        if result_sharding is not None and result_sharding.partial_axes:
            free = [a for a in result_sharding.partial_axes if a not in used]
            for f, factor in enumerate(self.factors):
                if factor.reduction and assigned[f] is None and free:
                    if grid.divides(factor.size, free):
                        assigned[f] = tuple(free)
                        used |= set(free)
                    break
        strat = tuple(a or () for a in assigned)
        # A split the rule cannot serve (a halo that does not line up) is
        # dropped: the operand is then gathered along that dimension.
        for w in self.windows:
            if self.halo(grid, strat, w) is None:
                strat = tuple(() if f == w.factor else a for f, a in enumerate(strat))
        return strat
