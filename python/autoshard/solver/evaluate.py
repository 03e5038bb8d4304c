"""An independent checker with the contest evaluator's semantics.

Written plainly over the original problem, sharing nothing with the solver's
reduced representation or bookkeeping, so that it can vouch for the solver.
It reads the problem's flat arrays (Problem.flat_costs and so on) so that a
problem of 10^5 nodes is checked in milliseconds; sums are exact.
"""

from __future__ import annotations

import numpy as np

from .problem import Problem, ProblemError

_INT64_MAX = np.iinfo(np.int64).max


def evaluate(problem: Problem, assignment) -> tuple[int, int]:
    """(total cost, peak usage) of an assignment (strategy index per node).

    Total cost = sum of the chosen node costs + sum of the chosen edge costs,
    as exact integers. Peak usage = max over time t of the summed chosen
    usages of the nodes whose interval [start, end) contains t."""
    choice = np.array([int(s) for s in assignment], dtype=object)
    if len(choice) != problem.num_nodes:
        raise ProblemError(f"assignment has {len(choice)} entries for {problem.num_nodes} nodes")
    ks = problem.num_strategies
    bad = np.flatnonzero([not 0 <= s < k for s, k in zip(choice.tolist(), ks.tolist())])
    if len(bad):
        i = int(bad[0])
        raise ProblemError(f"node {i} has strategy {choice[i]}, outside 0..{ks[i] - 1}")
    choice = choice.astype(np.int64)

    node_first = np.cumsum(ks) - ks
    u, v = problem.edges[:, 0], problem.edges[:, 1]
    sizes = ks[u] * ks[v]
    edge_first = np.cumsum(sizes) - sizes
    cost = _exact_sum(problem.flat_costs[node_first + choice])
    cost += _exact_sum(problem.flat_edge_costs[edge_first + choice[u] * ks[v] + choice[v]])

    usage = problem.flat_usages[node_first + choice]
    start, end = problem.intervals[:, 0], problem.intervals[:, 1]
    live = (start < end) & (usage > 0)
    if not live.any():
        return cost, 0
    if _exact_sum(usage[live]) > _INT64_MAX:
        return cost, _peak_one_by_one(start[live].tolist(), end[live].tolist(), usage[live].tolist())
    # Interval ends and starts in time order; at equal times the ends go first
    # (half-open intervals). Within a time the order of the starts (or of the
    # ends) cannot change the largest running sum, only where it is reached.
    times = np.concatenate([start[live], end[live]])
    is_start = np.concatenate([np.ones(int(live.sum()), bool), np.zeros(int(live.sum()), bool)])
    deltas = np.concatenate([usage[live], -usage[live]])
    order = np.lexsort((is_start, times))
    return cost, max(0, int(np.cumsum(deltas[order]).max()))


def _exact_sum(values: np.ndarray) -> int:
    """The exact sum of non-negative int64 values (no overflow: the high and
    low 32 bits are summed apart)."""
    high = int((values >> 32).sum())
    low = int((values & 0xFFFFFFFF).sum())
    return (high << 32) + low


def _peak_one_by_one(starts: list, ends: list, usages: list) -> int:
    """The peak with Python integers, for usages whose sum exceeds int64."""
    events = sorted([(s, 1, w) for s, w in zip(starts, usages)] + [(e, 0, -w) for e, w in zip(ends, usages)])
    live = peak = 0
    for _, _, delta in events:
        live += delta
        peak = max(peak, live)
    return peak
