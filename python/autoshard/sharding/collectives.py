"""The collectives autoshard emits, one descriptor each: the shard-dialect op,
the attributes it carries (as typed values that sharding/ir_convert turns
into IR) and its alpha-beta cost.  `reshard.plan_reshard` decides which
steps a layout change takes; partition emits them and the cost model prices
them from these descriptors, so a new collective is one entry here (plus its
simulator semantics in sim/collectives.py).

Costs, for n devices in the group, a link (alpha s/message, beta s/byte),
B_in / B_out the bytes per device before / after (ring algorithms):

    all_gather      (n-1)*alpha + (n-1) * B_in * beta           B_in: the largest block (uneven
                                                                 blocks are padded to it), so
                                                                 (n-1)/n * B_out when even
    reduce_scatter  (n-1)*alpha + (n-1)/n * B_in  * beta
    all_reduce    2*(n-1)*alpha + 2*(n-1)/n * B_in * beta   (reduce_scatter + all_gather)
    all_to_all      (n-1)*alpha + (n-1)/n * B_in  * beta    each device keeps 1/n, sends the rest
    all_slice       B_out / memory_bandwidth                a local copy, no communication
    halo_drop       B_out / memory_bandwidth                the core of a haloed block, copied
    halo_fill       k*alpha + (B_out - B_in) * beta         the halo rows from the neighbours
                                                            (k = 2 messages, 1 in a group of 2)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Collective:
    op_name: str
    # step -> {attribute name: (kind, value)}, kind "index" or "reduction"
    attributes: Callable[[Any], dict]  # takes a reshard Step
    # (n, link, bytes_in, bytes_out, memory_bandwidth) -> seconds
    cost: Callable[[int, object, int, int, float], float]


def _ring(n, link, nbytes, rounds=1):
    return rounds * ((n - 1) * link.alpha + (n - 1) / n * nbytes * link.beta)


def _halo(n, link, b_in, b_out):
    if n == 1 or b_out <= b_in:
        return 0.0
    return (1 if n == 2 else 2) * link.alpha + (b_out - b_in) * link.beta


COLLECTIVES: dict[str, Collective] = {
    "all_gather": Collective(
        "shard.all_gather", lambda st: {"gather_axis": ("index", st.dim)},
        lambda n, link, b_in, b_out, bw: _ring(n, link, n * b_in)),
    "all_slice": Collective(
        "shard.all_slice", lambda st: {"slice_axis": ("index", st.dim)},
        lambda n, link, b_in, b_out, bw: b_out / bw),
    "all_reduce": Collective(
        "shard.all_reduce", lambda st: {"reduction": ("reduction", st.reduction)},
        lambda n, link, b_in, b_out, bw: _ring(n, link, b_in, rounds=2)),
    "reduce_scatter": Collective(
        "shard.reduce_scatter", lambda st: {"reduction": ("reduction", st.reduction), "scatter_axis": ("index", st.dim)},
        lambda n, link, b_in, b_out, bw: _ring(n, link, b_in)),
    "all_to_all": Collective(
        "shard.all_to_all", lambda st: {"split_axis": ("index", st.dim), "concat_axis": ("index", st.concat_dim)},
        lambda n, link, b_in, b_out, bw: _ring(n, link, b_in)),
    # Built from tensor ops and shard.update_halo by partition (no attributes of their own).
    "halo_drop": Collective(
        "tensor.extract_slice", lambda st: {},
        lambda n, link, b_in, b_out, bw: b_out / bw),
    "halo_fill": Collective(
        "shard.update_halo", lambda st: {},
        lambda n, link, b_in, b_out, bw: _halo(n, link, b_in, b_out)),
}
