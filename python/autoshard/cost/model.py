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

    def _reshard_steps(self, shape: tuple, src: Sharding, dst: Sharding) -> tuple[Step, ...] | None:
        """`plan_reshard`'s steps, or None when impossible."""
        try:
            return tuple(plan_reshard(self.grid, shape, src, dst))
        except ReshardError:
            return None

    def _reshard_cost(self, shape: tuple, itemsize: int, src: Sharding, dst: Sharding) -> float | None:
        """Seconds to reshard, or None when impossible."""
        steps = self.reshard_steps(shape, src, dst)
        if steps is None:
            return None
        return sum(collective_cost(self.cluster, self.grid, s, shape, itemsize) for s in steps)

    def _reshard_bytes(self, shape: tuple, itemsize: int, src: Sharding, dst: Sharding) -> int | None:
        """Bytes per device the resharding holds beyond its source
        (`reshard_peak`), or None when impossible."""
        steps = self.reshard_steps(shape, src, dst)
        if steps is None:
            return None
        return reshard_peak(self.grid, shape, itemsize, steps)

    def _reshard_kinds(self, shape: tuple, src: Sharding, dst: Sharding) -> tuple[str, ...] | None:
        """The kinds of the resharding's steps, or None when impossible."""
        steps = self.reshard_steps(shape, src, dst)
        return None if steps is None else tuple(st.kind for st in steps)

    def local_bytes(self, shape, itemsize: int, sh: Sharding) -> int:
        return numel(sh.local_shape(self.grid, shape)) * itemsize



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
