"""Read nodes: a value several consumers read is resharded once.

For a value with two or more consumer operands (no user annotations in
between) whose layouts needed can coincide, the problem gets one *read*
node.  Its strategies are candidate layouts L (every layout the producer
can give the value and every layout a consumer may need, the producer's
own among them); the edge producer -> read costs resharding the producer's
layout into L (paid once), and each edge read -> consumer costs resharding
L into what the consumer needs (finite, never forbidden for a reachable
pair, so that the solver's one-node moves keep working).

`autoshard-partition` emits exactly that two-stage form: the annotation pass
writes one `shard.shard ... to L annotate_for_users` shared by every
consumer, then each consumer's own; partition reshards once into L at the
first consumer and from L per consumer.  Memory (planner/memory.py): the
producer's layout lives until the read is made (the first consumer), L from
there to the last consumer.

An argument's read in the argument's own layout is no copy, but its read
node counts one (the argument is held for the whole function, the read
layout from the first consumer to the last): an over-count the exact count
of planner/memory.py does not make.  (Merging the two into one node of
layout pairs makes that exact but holds a real copy for the whole function,
which is worse for the gather-once plans reads are for.)
"""

from __future__ import annotations

from dataclasses import dataclass

from itertools import combinations
from typing import Any

# Steps a consumer may take from a shared read layout: those that make
# nothing larger than the read layout (gathers and all_to_alls happen once,
# into the read layout), so that the copy each consumer makes is bounded by
# what it needs and can be counted whatever the read layout is.
SECOND_STAGE = frozenset({"all_slice", "reduce_scatter", "all_reduce", "halo_drop", "halo_fill"})


@dataclass
class Use:
    """Consumer node `dst` reads value `vid` through the annotation chain
    `chain` at time `time`; under its strategy j it needs requirement(j)."""

    vid: int
    chain: tuple
    dst: int
    requirement: Any  # callable with the strategy index (builder.Needs)
    time: int


def from_read(nodes, u: int, src_res: int) -> bool:
    """Whether an edge out of node u's result src_res reads a shared read layout."""
    return nodes[u].kind == "read"


def second_stage_allowed(model, shape, src, dst) -> bool:
    kinds = model.reshard_kinds(tuple(shape), src, dst)
    return kinds is not None and all(k in SECOND_STAGE for k in kinds)


def read_candidates(nodes, src: int, res: int, uses: list[Use], memo: dict | None = None) -> list | None:
    """The layouts a read node of these uses may hold, in a deterministic
    order (the producer's first), or None where one cannot help: fewer than
    two uses, or no two of them that may need the same layout.  `memo`
    shares the answer between copies of the same reads (chained blocks)
    where the layouts are interned ids (builder.Needs, PNode.result_ids)."""
    if len(uses) < 2:
        return None
    src_ids = getattr(nodes[src], "result_ids", ())
    if memo is not None and src_ids and all(hasattr(u.requirement, "ids") for u in uses):
        key = (src_ids[res], tuple(u.requirement.ids for u in uses))
        if key not in memo:
            memo[key] = _candidates_by_ids(nodes, src, res, uses)
        return memo[key]
    needs = [list(dict.fromkeys(u.requirement(j) for j in range(len(nodes[u.dst].results)))) for u in uses]
    sets = [set(n) for n in needs]
    if not any(a & b for a, b in combinations(sets, 2)):
        return None
    candidates: dict = dict.fromkeys(n[res] for n in nodes[src].results)
    for n in needs:
        candidates.update(dict.fromkeys(n))
    return list(candidates)


def _candidates_by_ids(nodes, src: int, res: int, uses: list[Use]) -> list | None:
    """read_candidates on interned ids (equal layouts, equal ids): the same
    layouts in the same order."""
    layout_of: dict[int, Any] = {}
    for j, i in enumerate(nodes[src].result_ids[res]):
        layout_of.setdefault(i, nodes[src].results[j][res])
    needs = []
    for u in uses:
        req = u.requirement
        ids = req.ids[: len(nodes[u.dst].results)]
        for j, i in enumerate(ids):
            layout_of.setdefault(i, req(j))
        needs.append(dict.fromkeys(ids))
    sets = [set(n) for n in needs]
    if not any(a & b for a, b in combinations(sets, 2)):
        return None
    candidates: dict = dict.fromkeys(nodes[src].result_ids[res])
    for n in needs:
        candidates.update(n)
    return [layout_of[i] for i in candidates]


def plan_reads(graph, nodes, producer_node: dict, uses: list[Use], model, make_node) -> tuple[dict, dict]:
    """Adds the read nodes (`make_node(vid, layouts, usages, interval)`
    appends one and returns its index).  Returns ({value id: read node},
    {value id: end of the producer's interval}) -- the latter for values
    every use of which goes through the read."""
    by_value: dict[int, list[Use]] = {}
    for u in uses:
        by_value.setdefault(u.vid, []).append(u)
    read_of: dict[int, int] = {}
    producer_end: dict[int, int] = {}
    memo: dict = {}
    for vid in sorted(by_value):
        plain = [u for u in by_value[vid] if not u.chain]
        src, res = producer_node[vid]
        layouts = read_candidates(nodes, src, res, plain, memo)
        if layouts is None:
            continue
        t = graph.values[vid].tensor
        first = min(u.time for u in plain)
        last = max(u.time for u in plain)
        usages = [model.local_bytes(t.shape, t.itemsize, sh) for sh in layouts]
        read_of[vid] = make_node(vid, layouts, usages, (first, last + 1))
        if len(plain) == len(by_value[vid]):
            producer_end[vid] = first + 1
    return read_of, producer_end
