"""An independent checker with the contest evaluator's semantics.

Written plainly over the original problem, sharing nothing with the solver's
reduced representation or bookkeeping, so that it can vouch for the solver.
"""

from __future__ import annotations

from .problem import Problem, ProblemError


def evaluate(problem: Problem, assignment) -> tuple[int, int]:
    """(total cost, peak usage) of an assignment (strategy index per node).

    Total cost = sum of the chosen node costs + sum of the chosen edge costs,
    as exact Python integers. Peak usage = max over time t of the summed
    chosen usages of the nodes whose interval [start, end) contains t."""
    choice = [int(s) for s in assignment]
    if len(choice) != problem.num_nodes:
        raise ProblemError(f"assignment has {len(choice)} entries for {problem.num_nodes} nodes")
    ks = [len(c) for c in problem.costs]
    for i, s in enumerate(choice):
        if not 0 <= s < ks[i]:
            raise ProblemError(f"node {i} has strategy {s}, outside 0..{ks[i] - 1}")

    cost = 0
    for i, s in enumerate(choice):
        cost += int(problem.costs[i][s])
    for (u, v), matrix in zip(problem.edges.tolist(), problem.edge_costs):
        cost += int(matrix[choice[u] * ks[v] + choice[v]])

    # Sweep the interval ends and starts in time order; at equal times the ends
    # go first because intervals are half-open.
    events = []
    for i, (start, end) in enumerate(problem.intervals.tolist()):
        usage = int(problem.usages[i][choice[i]])
        if start < end and usage:
            events.append((start, 1, usage))
            events.append((end, 0, -usage))
    events.sort()
    live = peak = 0
    for _, _, delta in events:
        live += delta
        peak = max(peak, live)
    return cost, peak
