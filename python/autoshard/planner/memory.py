"""The memory a plan needs per device, counted the way `autoshard-partition`
emits it and `sim/liveness.py` measures it, at one time point per op of the
function (time 0: the arguments; op i at time i + 1):

- an argument, in its layout, for the whole function (the caller holds it);
- an op's result, in its layout, from the op to its last consumer, both
  included (closed liveness: an op's operands and results live together);
- a resharded copy, from the first consumer that reads it to the last one
  (partition reshards a value once per annotation chain and layout needed
  and reuses the copy), plus, at the first consumer, what the resharding
  holds beyond the copy while it runs (`cost.model.reshard_peak`: step
  results live with their operands; XLA's max(src, dst, intermediate) -
  src);
- a value read through a shared read layout (planner/reads.py): its
  producer's layout only until the read is made, the read layout from the
  first consumer to the last;
- an op's temporaries (`rules.workspace`) at the op;
- a dense `tosa.const` whole at its op: partition materialises it whole (a
  dense constant's blocks differ per device, and the program is one for all
  devices) and cuts its block out at once (one `tensor.extract_slice`); a
  splat constant is emitted in its local shape and needs nothing more.

The unary usages of the problem (planner/builder.py) can only approximate
this -- whether a copy exists depends on two choices -- so the planner checks
each solution with `plan_memory` and tightens the solver's limit until the
count here fits the budget (`fit_budget`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from autoshard.cost.model import reshard_peak
from autoshard.rules.constant_like import splat_is_local, whole_constant_bytes
from autoshard.rules.workspace import workspace
from autoshard.sharding import Sharding

if TYPE_CHECKING:
    from autoshard.planner.builder import Plan
    from autoshard.solver import Solution


@dataclass
class MemoryProfile:
    per_time: list[int]  # bytes per device at each time point

    @property
    def peak(self) -> int:
        return max(self.per_time, default=0)


def producer_annotation(graph, vid) -> Sharding | None:
    """The layout a value's producer annotation gives it (partition reshards
    the value to it right after the producer), if any."""
    for op_id, k in graph.values[vid].users:
        chain = graph.ops[op_id].chains[k]
        if chain and not chain[0].for_users:
            return chain[0].sharding
    return None


def _steps(model, shape, layouts) -> list:
    steps: list = []
    for a, b in zip(layouts, layouts[1:]):
        # None: the plan never asks for it (forbidden); partition would refuse
        steps += model.reshard_steps(tuple(shape), a, b) or ()
    return steps


def plan_memory(graph, plan, model) -> MemoryProfile:
    """Per time point, the bytes per device of the SPMD program partition
    writes for `plan` (see the module docstring)."""
    from autoshard.planner.builder import operand_requirement  # builder imports this module

    grid = model.grid
    T = len(graph.ops) + 1
    delta = [0] * (T + 1)

    def hold(first: int, last: int, nbytes: int) -> None:
        if nbytes:
            delta[first] += nbytes
            delta[last + 1] -= nbytes

    # Copies of one op (chained blocks) share their rule, strategies and
    # shapes: each distinct requirement, size and workspace is computed once.
    sizes: dict[tuple, int] = {}
    needs: dict[tuple, Sharding] = {}
    temporaries: dict[tuple, int] = {}

    def local(t, sh) -> int:
        key = (t.shape, t.itemsize, sh)
        found = sizes.get(key)
        if found is None:
            found = sizes[key] = model.local_bytes(t.shape, t.itemsize, sh)
        return found

    def requirement(rule, strat, k) -> Sharding:
        key = (id(rule), strat, k)  # rules live as long as the plan
        found = needs.get(key)
        if found is None:
            found = needs[key] = operand_requirement(rule, grid, strat, k)
        return found

    def temporary(op, rule, strat) -> int:
        key = (id(rule), strat)  # a rule belongs to one distinct op (planner/templates.py)
        found = temporaries.get(key)
        if found is None:
            found = temporaries[key] = op_temporaries(grid, op.info, rule, strat)
        return found

    reads = getattr(plan, "read_sharding", {}) or {}
    consumers: dict[int, list[int]] = {}
    # Partition reshards along each consumer's chain of layouts (the user's
    # annotations for users, or the shared read layout, then what the
    # consumer needs) and keeps every prefix's copy for later consumers:
    # (value id, layouts so far) -> times of the consumers that read it.
    prefixes: dict[tuple, list[int]] = {}
    for op in graph.ops:
        if op is graph.return_op:
            rule = strat = None
        else:
            rule, strat = plan.op_strategy.get(op.id, (None, None))
        for k, (vid, chain) in enumerate(zip(op.operands, op.chains)):
            if graph.values[vid].tensor is None or vid not in plan.value_sharding:
                continue
            if op is graph.return_op:
                need = plan.return_sharding[k]
            else:
                need = requirement(rule, strat, k)
            consumers.setdefault(vid, []).append(op.id + 1)
            path = tuple(a.sharding for a in chain if a.for_users)
            if not path and vid in reads:
                path = (reads[vid],)
            path += (need,)
            for n in range(1, len(path) + 1):
                prefixes.setdefault((vid, path[:n]), []).append(op.id + 1)

    held: dict[int, Sharding] = {}  # value id -> layout the value is kept in after its producer
    for v in graph.values:
        if v.tensor is None or v.id not in plan.value_sharding:
            continue
        layout = plan.value_sharding[v.id]
        if v.producer is None:
            held[v.id] = layout
            hold(0, T - 1, local(v.tensor, layout))
            continue
        t = v.producer + 1
        times = consumers.get(v.id, [t])
        ann = producer_annotation(graph, v.id)
        if ann is not None and ann != layout:
            hold(t, t, local(v.tensor, layout) + reshard_peak(grid, v.tensor.shape, v.tensor.itemsize,
                                                               _steps(model, v.tensor.shape, [layout, ann])))
            layout = ann
        held[v.id] = layout
        read = reads.get(v.id)
        if read is not None and read != layout and not _has_user_chain(graph, v.id):
            # kept in the producer's layout until the read is made at the first consumer
            hold(t, min(times), local(v.tensor, layout))
        else:
            hold(t, max(times), local(v.tensor, layout))

    # copies: each prefix's last layout, made from the previous prefix's
    for (vid, path), times in prefixes.items():
        t = graph.values[vid].tensor
        src = path[-2] if len(path) > 1 else held[vid]
        steps = _steps(model, t.shape, [src, path[-1]])
        if not steps:
            continue
        first, last = min(times), max(times)
        copy = local(t, path[-1])
        hold(first, first, reshard_peak(grid, t.shape, t.itemsize, steps) - copy)
        hold(first, last, copy)

    # temporaries and whole constants
    for op in graph.ops:
        if op is graph.return_op:
            continue
        t = op.id + 1
        rule, strat = plan.op_strategy.get(op.id, (None, None))
        hold(t, t, temporary(op, rule, strat) if rule is not None else 0)
        if op.name == "tosa.const" and op.results and op.results[0] in plan.value_sharding:
            v = graph.values[op.results[0]]
            layout = plan.value_sharding[v.id]
            whole = whole_constant_bytes(op, grid, layout)
            if not whole or layout.is_replicated:
                continue
            if splat_is_local(grid, layout, v.tensor.shape):
                hold(t, t, whole)  # cut to its block by one slice: the whole constant and the block
            else:  # resharded from whole (halos, uneven blocks)
                steps = _steps(model, v.tensor.shape, [Sharding(grid.name), layout])
                hold(t, t, whole + reshard_peak(grid, v.tensor.shape, v.tensor.itemsize, steps) - local(v.tensor, layout))

    per_time, run = [], 0
    for t in range(T):
        run += delta[t]
        per_time.append(run)
    return MemoryProfile(per_time)


def _has_user_chain(graph, vid) -> bool:
    return any(a.for_users for op_id, k in graph.values[vid].users for a in graph.ops[op_id].chains[k])


def op_temporaries(grid, info, rule, strat) -> int:
    """Bytes per device an op's SPMD form holds beyond its operands and
    results under `strat` (`info`: its OpInfo; a dense constant's whole copy
    is a node of its own)."""
    if rule is None or strat is None or info.name == "tosa.const":
        return 0
    return workspace(grid, info, rule, strat)


def add_copy_usages(nodes, edges, model) -> None:
    """Adds to each consumer's usage, per strategy, the copies resharding
    makes for it whatever its producer picks: the least over the producer's
    layouts (0 when one of them is the layout needed; from a shared read
    layout only slices and reductions are allowed, so a copy missed there
    is at most the consumer's own operand).  The rest depends on both
    choices: `plan_memory` counts it exactly and `fit_budget` re-solves on
    it."""
    memo: dict = {}  # the same reads of repeated blocks: computed once
    for (u, v), feeds in edges.items():
        extra = None
        for src_res, shape, itemsize, req in feeds:
            ids = getattr(nodes[u], "result_ids", None)
            key = None
            if ids and hasattr(req, "ids"):
                key = (tuple(shape), itemsize, nodes[v].kind == "read", ids[src_res], req.ids)
            least = memo.get(key) if key is not None else None
            if least is None:
                least = _least_copies(model, nodes[u], nodes[v], src_res, shape, itemsize, req)
                if key is not None:
                    memo[key] = least
            extra = least if extra is None else extra + least
        if extra is not None and extra.any():
            nodes[v].usages = np.asarray(nodes[v].usages, dtype=np.int64) + extra


def _least_copies(model, src_node, dst_node, src_res, shape, itemsize, req) -> np.ndarray:
    """Per strategy j of `dst_node`, the least bytes over the source node's
    layouts of resharding into req(j) (0 if one of them is req(j) itself:
    a copy's bytes are never negative); read-only."""
    sources = list(dict.fromkeys(n[src_res] for n in src_node.results))
    present = set(sources)
    by_need: dict = {}
    least = np.zeros(len(dst_node.results), dtype=np.int64)
    for j in range(len(least)):
        need = req(j)
        found = by_need.get(need)
        if found is None:
            if need in present:
                found = 0
            else:
                sizes = [_copy_bytes(model, dst_node, shape, itemsize, s, need) for s in sources]
                found = min((b for b in sizes if b is not None), default=0)
            by_need[need] = found
        least[j] = found
    least.setflags(write=False)
    return least


def _copy_bytes(model, dst_node, shape, itemsize, src, need) -> int | None:
    """What resharding src into need holds at the consumer (None: impossible);
    a read node's usage is its layout already, so only the rest."""
    b = model.reshard_bytes(tuple(shape), itemsize, src, need)
    if b and dst_node.kind == "read":
        b = max(0, b - model.local_bytes(shape, itemsize, need))
    return b


# Solves tried per function when the exact count exceeds the budget.
FIT_ROUNDS = 4


@dataclass
class Fitted:
    solution: Solution
    plan: Plan | None  # None when no round met the budget
    peak: int  # plan_memory's peak of the plan, or the lowest of those tried
    rounds: int


def fit_budget(pp, budget: int | None, solve) -> Fitted:
    """Solves `pp` (solve(problem) -> Solution) and checks the plan with
    `plan_memory`.  While that count exceeds the budget, solves again with
    the solver's limit lowered below the usages' count of the plan by the
    excess (the copies the usages could not see are then paid for by the
    rest of the plan); the first plan within the budget is kept.  `peak`
    is the exact count of that plan, or the lowest of the plans tried."""
    from dataclasses import replace

    from autoshard.planner.builder import cycle_collection_paused, decode

    limit = budget
    problem = pp.problem
    fitted: Fitted | None = None
    for r in range(1, FIT_ROUNDS + 1):
        solution = solve(problem)
        with cycle_collection_paused():
            plan = decode(pp, solution)
            # (an infeasible answer is the lowest-peak assignment found)
            peak = plan_memory(pp.graph, plan, pp.model).peak
        if solution.meets_limit and (budget is None or peak <= budget):
            return Fitted(solution, plan, peak, r)
        if fitted is None or peak < fitted.peak:
            fitted = Fitted(solution, None, peak, r)
        if not solution.meets_limit:  # a lower limit cannot be met either
            return fitted
        assert limit is not None and budget is not None  # over a budget
        limit = min(limit, solution.peak_usage) - (peak - budget)
        if limit <= 0:
            break
        problem = replace(problem, usage_limit=limit)
    assert fitted is not None
    return fitted
