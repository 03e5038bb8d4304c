"""Baseline plans the report compares against, costed by the same model.

Megatron (tensor parallelism on one grid axis, data parallelism on the rest):
the dense layers of the function (matmuls, and the 1x1 conv2d TFLite writes
for them; rules.dense_roles names their factors), in program order,
alternate between splitting their output features and their contraction on
the largest grid axis (the column-split first layer feeds the row-split
second one with no communication, and the second leaves a partial sum that
one all_reduce or reduce_scatter finishes); every other grid axis splits the
first batch-like factor it divides.

Costing it needs no second solve: `megatron_cost` takes the problem already
built for the autoshard plan, pins the matmul nodes to Megatron's strategies
and chooses every other node greedily (iterated conditional modes: each
node in turn takes its cheapest strategy given its neighbours, from the
autoshard plan as the starting point, until nothing changes).  Memory is not
constrained; the report says when the baseline's peak exceeds the budget.
The result is an upper bound on the cheapest plan with Megatron's matmul
shardings (a solver could only do better with the same pins).
"""

from __future__ import annotations

from typing import cast

import numpy as np

from autoshard.graph import FuncGraph
from autoshard.sharding import Grid
from autoshard.rules import dense_roles
from autoshard.solver import FORBIDDEN_COST, Solution, evaluate
from autoshard.planner.builder import decode
from autoshard.planner.memory import plan_memory

# Greedy sweeps over all nodes; each one can only lower the cost, and a plan
# of chained blocks settles in a handful.
_MAX_SWEEPS = 20


def megatron_filter(graph: FuncGraph):
    grid = cast(Grid, graph.grid)  # planning needs a grid
    tp = max(range(grid.rank), key=lambda a: (grid.shape[a], a))
    dp = tuple(a for a in range(grid.rank) if a != tp and grid.shape[a] > 1)
    layers = [op.id for op in graph.ops if dense_roles(op.name) is not None]
    if not layers or grid.shape[tp] == 1:
        return None

    def wanted(op, rule, index):
        roles = dense_roles(op.name)
        assert roles is not None  # only called for the ops in `layers`
        columns, rows, batch_like = roles
        names = [f.name for f in rule.factors]
        out: dict[str, tuple[int, ...]] = {name: () for name in names}
        out[columns if index % 2 == 0 else rows] = (tp,)
        if dp:
            size = grid.group_size(dp)
            batch = next((b for b in batch_like if b in names and rule.factors[names.index(b)].size % size == 0), None)
            if batch is not None:
                out[batch] = dp
        return tuple(out[n] for n in names)

    def keep(op, rule, strategies):
        if op.id not in layers:
            return strategies
        target = wanted(op, rule, layers.index(op.id))
        chosen = [s for s in strategies if s == target]
        return chosen or strategies

    return keep


def megatron_cost(pp, start) -> tuple[int, int] | None:
    """(cost ps, peak bytes) of the Megatron baseline for the PlanProblem
    `pp`, starting from the assignment `start`; None when Megatron does not
    apply (no matmul, or a trivial tensor-parallel axis) or no pinned plan
    avoids a forbidden resharding."""
    keep = megatron_filter(pp.graph)
    if keep is None:
        return None
    allowed: list[list[int]] = []
    for node in pp.nodes:
        options = list(range(len(node.results)))
        if node.kind == "op" and node.rule is not None:
            op = pp.graph.ops[node.ref]
            kept = keep(op, node.rule, list(node.strategies))
            options = [j for j, s in enumerate(node.strategies) if s in kept]
        allowed.append(options)
    choice = [s if s in allowed[i] else allowed[i][0] for i, s in enumerate(start)]
    choice = _greedy(pp.problem, allowed, choice)
    cost, peak = evaluate(pp.problem, choice)
    if cost >= FORBIDDEN_COST:
        return None
    # peak as the plan report counts it (planner/memory.py)
    plan = decode(pp, Solution(tuple(choice), cost, peak, "feasible", None, 0.0))
    return cost, plan_memory(pp.graph, plan, pp.model).peak


def _greedy(problem, allowed: list[list[int]], choice: list[int]) -> list[int]:
    """Iterated conditional modes over the nodes with more than one option."""
    n = problem.num_nodes
    incident: list[list[tuple[np.ndarray, int, bool]]] = [[] for _ in range(n)]
    for (u, v), flat in zip(problem.edges.tolist(), problem.edge_costs):
        mat = np.asarray(flat, dtype=np.int64).reshape(len(problem.costs[u]), len(problem.costs[v]))
        incident[u].append((mat, v, True))
        incident[v].append((mat, u, False))
    free = [i for i in range(n) if len(allowed[i]) > 1]
    # Per free node, its options and their own costs, and its edges' rows
    # (or columns) restricted to those options, as the sweeps read them.
    options = {i: np.asarray(allowed[i]) for i in free}
    own = {i: np.asarray(problem.costs[i], dtype=np.int64)[options[i]] for i in free}
    sides = {i: [(mat[options[i], :].T if outgoing else mat[:, options[i]], other)
                 for mat, other, outgoing in incident[i]] for i in free}
    # A node none of whose neighbours changed since it was last looked at
    # would find the same costs and keep its choice: only "dirty" nodes are
    # looked at again (the sweeps and their result are the same).
    neighbours = {i: [other for _, other in sides[i]] for i in free}
    watchers: list[list[int]] = [[] for _ in range(n)]  # node -> the free nodes whose costs it changes
    for i in free:
        for other in neighbours[i]:
            watchers[other].append(i)
    dirty = [True] * n
    for _ in range(_MAX_SWEEPS):
        changed = False
        for i in free:
            if not dirty[i]:
                continue
            dirty[i] = False
            local = own[i].copy()
            for by_other, other in sides[i]:
                local += by_other[choice[other]]
            best = int(options[i][int(np.argmin(local))])
            if best != choice[i] and local.min() < local[allowed[i].index(choice[i])]:
                choice[i] = best
                changed = True
                for w in watchers[i]:
                    dirty[w] = True
        if not changed:
            break
    return choice
