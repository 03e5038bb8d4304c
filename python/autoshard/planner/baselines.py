"""Baseline plans the report compares against, costed by the same model.

Megatron (tensor parallelism on one grid axis, data parallelism on the rest):
the matmuls of the function, in program order, alternate between splitting
their output columns `n` and their contraction `k` on the largest grid axis
(the column-split first layer feeds the row-split second one with no
communication, and the second leaves a partial sum that one all_reduce or
reduce_scatter finishes); every other grid axis splits the batch dimension
(`batch` if it divides, otherwise `m`).  Only the matmuls are pinned: the
solver places everything else at its best, so the baseline is the cheapest
plan with Megatron's matmul shardings.
"""

from __future__ import annotations

from autoshard.graph import FuncGraph


def megatron_filter(graph: FuncGraph):
    grid = graph.grid
    tp = max(range(grid.rank), key=lambda a: (grid.shape[a], a))
    dp = tuple(a for a in range(grid.rank) if a != tp and grid.shape[a] > 1)
    matmuls = [op.id for op in graph.ops if op.name == "tosa.matmul"]
    if not matmuls or grid.shape[tp] == 1:
        return None

    def wanted(rule, index):
        tp_factor = "n" if index % 2 == 0 else "k"
        names = [f.name for f in rule.factors]
        out = {name: () for name in names}
        out[tp_factor] = (tp,)
        if dp:
            size = grid.group_size(dp)
            batch = "batch" if rule.factors[names.index("batch")].size % size == 0 else "m"
            out[batch] = dp
        return tuple(out[n] for n in names)

    def keep(op, rule, strategies):
        if op.name != "tosa.matmul":
            return strategies
        target = wanted(rule, matmuls.index(op.id))
        chosen = [s for s in strategies if s == target]
        return chosen or strategies

    return keep
