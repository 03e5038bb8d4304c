"""Cost formulas, in seconds.

For a collective over a group of n devices (the grid axes it names) with link
(alpha, beta) (the slowest link of those axes; see Cluster.group_link), and
B the bytes per device named below, ring algorithms give (the formulas live
with each collective's descriptor, sharding/collectives.py):

    all_gather      (n-1)*alpha + (n-1)/n * B_out * beta      B_out: gathered result
    reduce_scatter  (n-1)*alpha + (n-1)/n * B_in  * beta      B_in: unreduced input
    all_reduce    2*(n-1)*alpha + 2*(n-1)/n * B   * beta      (reduce_scatter + all_gather)
    all_to_all      (n-1)*alpha + (n-1)/n * B     * beta      each device keeps 1/n, sends the rest
    all_slice       B_out / memory_bandwidth                  a local copy, no communication

compute(op, strategy) = max(flops / (peak_flops * shards), bytes / memory_bandwidth)
(a roofline: shards = the product of the sizes of all grid axes the strategy
uses, bytes = the local bytes the op reads and writes), so that no op is free
and a 1x1 conv2d costs what the equivalent matmul costs.  A halo exchange
(a windowed op split along a spatial dimension, `shard.update_halo`) sends
and receives its halo rows to and from both neighbours on the axis link:

    halo            2*alpha + (B_lo + B_hi) * beta            rows sent to both neighbours
                    (a group of 2: alpha + max(B_lo, B_hi) * beta, one neighbour)
memory = bytes per device.  Resharding cost = the sum over the steps
`plan_reshard` emits.
"""

from __future__ import annotations

from functools import lru_cache
from math import gcd, prod

from autoshard.cost.cluster import Cluster
from autoshard.rules.factor import numel
from autoshard.sharding.collectives import COLLECTIVES
from autoshard.sharding import Grid, Sharding
from autoshard.sharding.reshard import ReshardError, Step, plan_reshard


def collective_cost(cluster: Cluster, grid: Grid, step: Step, shape, itemsize: int) -> float:
    """Seconds for one resharding step: its descriptor's formula
    (sharding/collectives.py) on the slowest link of the step's grid axes."""
    n = grid.group_size(step.axes)
    bytes_in = numel(step.before.local_shape(grid, shape)) * itemsize
    bytes_out = numel(step.after.local_shape(grid, shape)) * itemsize
    return COLLECTIVES[step.kind].cost(n, cluster.group_link(step.axes), bytes_in, bytes_out, cluster.memory_bandwidth)


class CostModel:
    def __init__(self, cluster: Cluster, grid: Grid):
        self.cluster = cluster
        self.grid = grid
        # The planner asks cost, bytes and kinds of the same reshardings
        # (6,000 distinct ones in a GPT-2 block): plan each one once.
        self.reshard_steps = lru_cache(maxsize=None)(self._reshard_steps)
        self.reshard_cost = lru_cache(maxsize=None)(self._reshard_cost)
        self.reshard_bytes = lru_cache(maxsize=None)(self._reshard_bytes)
        self.reshard_kinds = lru_cache(maxsize=None)(self._reshard_kinds)
        # plan_reshard reads a shape only through which blocks are even
        # (Sharding.is_uneven: size % group size), and on a static grid every
        # group size of distinct axes divides the device count M, so
        # gcd(size, M) per dimension decides it: the 6,000 reshardings of a
        # GPT-2 block are 1,600 plans.  Their steps, with each step's group
        # size, link and per-dimension block counts, are kept per plan
        # (`_StepFacts`) so that costs and bytes per shape are arithmetic.
        self._modulus = prod(grid.shape) if grid.is_static else None
        self._plans: dict[tuple, tuple[tuple[Step, ...] | None, _StepFacts | None]] = {}
        self._by_shape: dict[tuple, tuple[tuple[Step, ...] | None, _StepFacts | None]] = {}
        self._local: dict[tuple, int] = {}
        self._distinct: dict[Sharding, bool] = {}

    def compute_cost(self, flops: int, shards: float, traffic_bytes: int = 0) -> float:
        """`shards`: how many times less work the busiest device does (a
        fraction for uneven splits, FactorRule.effective_shards)."""
        return max(flops / (self.cluster.peak_flops * shards), traffic_bytes / self.cluster.memory_bandwidth)

    def halo_cost(self, axes, lo_bytes: int, hi_bytes: int) -> float:
        """A halo exchange over the group `axes`, for the busiest device: an
        interior one sends its first rows to the previous device and its last
        rows to the next (two messages, lo + hi bytes); in a group of two each
        device has one neighbour (one message, the larger side)."""
        n = self.grid.group_size(axes) if axes else 1
        if n == 1 or lo_bytes + hi_bytes <= 0:
            return 0.0
        link = self.cluster.group_link(tuple(axes))
        if n == 2:
            return link.alpha + max(lo_bytes, hi_bytes) * link.beta
        return sum(link.alpha for b in (lo_bytes, hi_bytes) if b > 0) + (lo_bytes + hi_bytes) * link.beta

    def _plan(self, shape: tuple, src: Sharding, dst: Sharding) -> tuple[tuple[Step, ...] | None, _StepFacts | None]:
        """(`plan_reshard`'s steps or None when impossible, their facts or
        None where costs need the general formulas), shared by every shape
        with the same evenness."""
        exact = (shape, src, dst)
        found = self._by_shape.get(exact)
        if found is not None:
            return found
        key = (self._evenness(shape, src, dst), src, dst)
        found = self._plans.get(key)
        if found is None:
            try:
                steps: tuple[Step, ...] | None = tuple(plan_reshard(self.grid, shape, src, dst))
            except ReshardError:
                steps = None
            facts = None if steps is None or self._modulus is None else _StepFacts.of(self, steps)
            found = self._plans[key] = (steps, facts)
        self._by_shape[exact] = found
        return found

    def _evenness(self, shape: tuple, src: Sharding, dst: Sharding) -> tuple:
        """What of `shape` plan_reshard(src -> dst) depends on: per dimension
        either layout splits, gcd(size, M) (-1 if dynamic), when every group
        size divides M (a static grid, no axis twice in a layout: the steps'
        layouts split a dimension only over a prefix of one of the two
        layouts' axis groups for it); else the shape itself."""
        if self._modulus is None or not (self._distinct_axes(src) and self._distinct_axes(dst)):
            return ("shape", shape)
        modulus = self._modulus
        return tuple((-1 if s < 0 else gcd(s, modulus)) if src.dim_axes(d) or dst.dim_axes(d) else 0
                             for d, s in enumerate(shape))

    def _distinct_axes(self, sh: Sharding) -> bool:
        found = self._distinct.get(sh)
        if found is None:
            axes = [a for group in sh.split_axes for a in group]
            found = self._distinct[sh] = len(axes) == len(set(axes))
        return found

    def _reshard_steps(self, shape: tuple, src: Sharding, dst: Sharding) -> tuple[Step, ...] | None:
        """`plan_reshard`'s steps, or None when impossible."""
        return self._plan(shape, src, dst)[0]

    def _reshard_cost(self, shape: tuple, itemsize: int, src: Sharding, dst: Sharding) -> float | None:
        """Seconds to reshard, or None when impossible."""
        steps, facts = self._plan(shape, src, dst)
        if steps is None:
            return None
        if facts is not None and min(shape, default=0) >= 0:
            return facts.cost(shape, itemsize)
        return sum(collective_cost(self.cluster, self.grid, s, shape, itemsize) for s in steps)

    def _reshard_bytes(self, shape: tuple, itemsize: int, src: Sharding, dst: Sharding) -> int | None:
        """Bytes per device the resharding holds beyond its source
        (`reshard_peak`), or None when impossible."""
        steps, facts = self._plan(shape, src, dst)
        if steps is None:
            return None
        if facts is not None and min(shape, default=0) >= 0:
            return facts.peak(shape, itemsize)
        return reshard_peak(self.grid, shape, itemsize, steps)

    def _reshard_kinds(self, shape: tuple, src: Sharding, dst: Sharding) -> tuple[str, ...] | None:
        """The kinds of the resharding's steps, or None when impossible."""
        steps = self.reshard_steps(shape, src, dst)
        return None if steps is None else tuple(st.kind for st in steps)

    def local_bytes(self, shape, itemsize: int, sh: Sharding) -> int:
        key = (tuple(shape), itemsize, sh)
        found = self._local.get(key)
        if found is None:
            found = self._local[key] = numel(sh.local_shape(self.grid, shape)) * itemsize
        return found


class _StepFacts:
    """Per step of one plan: its cost formula, group size and link, and the
    per-dimension block counts of its layouts before and after, so that
    `collective_cost` and `reshard_peak` of a shape are integer arithmetic.
    Built only for steps whose layouts are balanced blocks without halos on
    a static grid (`of` returns None otherwise); the results are the
    general formulas' to the bit (same operations, same order)."""

    __slots__ = ("steps",)

    def __init__(self, steps):
        self.steps = steps  # per step: (cost formula, n, link, bandwidth, kind, dim, before counts, after counts)

    @staticmethod
    def of(model: "CostModel", steps) -> "_StepFacts | None":
        grid, cluster = model.grid, model.cluster
        out = []
        for st in steps:
            if st.before.offsets or st.after.offsets or st.before.halo_sizes or st.after.halo_sizes:
                return None
            counts = []
            for sh in (st.before, st.after):
                counts.append(tuple(grid.group_size(axes) for axes in sh.split_axes))
            out.append((COLLECTIVES[st.kind].cost, grid.group_size(st.axes), cluster.group_link(st.axes),
                        cluster.memory_bandwidth, st.kind, st.dim, counts[0], counts[1]))
        return _StepFacts(tuple(out))

    def cost(self, shape: tuple, itemsize: int) -> float:
        total: float = 0
        for formula, n, link, bandwidth, _kind, _dim, before, after in self.steps:
            total += formula(n, link, _local_numel(shape, before) * itemsize, _local_numel(shape, after) * itemsize,
                             bandwidth)
        return total

    def peak(self, shape: tuple, itemsize: int) -> int:
        peak = prev = 0
        for k, (_formula, n, _link, _bandwidth, kind, dim, before, after) in enumerate(self.steps):
            out = _local_numel(shape, after) * itemsize
            held = out
            if kind == "all_gather" and dim is not None and dim < len(before) and before[dim] > 1 \
                    and shape[dim] % before[dim] != 0:
                block = _local_numel(shape, before) * itemsize
                gathered = n * block
                held = max(2 * block, block + gathered, gathered + out, 2 * out)
            elif kind == "halo_fill":
                held = 3 * out
            peak = max(peak, (prev if k else 0) + held)
            prev = out
        return peak


def _local_numel(shape: tuple, counts: tuple) -> int:
    """Elements of the largest balanced block of a static `shape` split
    `counts[d]` ways along dimension d (Sharding.local_shape, then numel)."""
    total = 1
    for d, s in enumerate(shape):
        n = counts[d] if d < len(counts) else 1
        total *= s if n == 1 else -(-s // n)
    return total


def reshard_peak(grid: Grid, shape, itemsize: int, steps) -> int:
    """Bytes per device a resharding holds beyond its source while it runs
    (the source is counted by its own liveness): each step's result lives
    with its operand, so the peak is the largest step result plus, from the
    second step on, the intermediate it consumes -- at least the final copy.
    For one step this is XLA's max(src, dst, intermediate) - src + src's
    copy.  An uneven gather holds, in turn, its zero block and the padded
    block, the padded gathered tensor, the pieces cut from it and their
    concat; a halo fill its empty tensor and the inserted core
    (sharding/reshard.py, transforms/reshard_ir.py)."""
    peak = prev = 0
    for k, st in enumerate(steps):
        out = numel(st.after.local_shape(grid, shape)) * itemsize
        held = out
        if st.kind == "all_gather" and st.dim is not None and st.before.is_uneven(grid, shape, st.dim):
            # zeros and the padded block, then the padded gather, the pieces
            # cut from it, their concat (transforms/reshard_ir.py)
            block = numel(st.before.local_shape(grid, shape)) * itemsize  # the largest block
            gathered = grid.group_size(st.axes) * block
            held = max(2 * block, block + gathered, gathered + out, 2 * out)
        elif st.kind == "halo_fill":
            held = 3 * out
        peak = max(peak, (prev if k else 0) + held)
        prev = out
    return peak
