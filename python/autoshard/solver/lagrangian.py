"""A fast first answer: memory priced by one Lagrangian multiplier.

Relaxing  load_t <= limit  with multipliers lambda_t >= 0 adds
lambda_t * usage[i, s] to the cost of every node i live at t. With a single
multiplier mu on every kept time point, node i pays mu * usage[i, s] once
(pricing it per time point instead over-weights long-lived tensors; measured
on G it lands higher). For a fixed mu the relaxed problem is solved by
elimination; mu is searched on a log grid around the ratio of typical cost
and usage spreads, refined around the best point. Each candidate is then
made feasible by the greedy repair and polished by local search; the
cheapest feasible one wins (or, if none is feasible, the lowest peak).
"""

from __future__ import annotations

import numpy as np

from .elimination import CoreGraph, eliminate
from .local_search import Assignment, core_cost, improve, repair


def _scale(core) -> float:
    cost_spread = [float(np.ptp(c[c < np.inf])) for c in core.costs if len(c) > 1]
    usage_spread = [float(np.ptp(u)) for u in core.usage if len(u) > 1 and np.ptp(u) > 0]
    if not usage_spread:
        return 0.0
    return max(float(np.mean(cost_spread)) if cost_spread else 1.0, 1.0) / float(np.mean(usage_spread))


def _better(a: Assignment, a_cost: float, b: Assignment | None, b_cost: float) -> bool:
    if b is None:
        return True
    if a.feasible() != b.feasible():
        return a.feasible()
    if not a.feasible():
        return a.peak() < b.peak()
    return a_cost < b_cost


def lagrangian_start(core, graph: CoreGraph, budget: int, should_stop) -> Assignment:
    """The best assignment over a log grid of multipliers; `budget` caps the
    local-search evaluations per candidate, `should_stop()` is the wall-clock
    guard (checked between candidates)."""
    base = [c.astype(np.float64) for c in core.costs]
    scale = _scale(core) if core.limit is not None else 0.0
    best, best_cost = None, np.inf
    tried = {}

    def attempt(exponent: float):
        nonlocal best, best_cost
        mu = scale * 10.0**exponent if exponent is not None else 0.0
        costs = [c + mu * u for c, u in zip(base, core.usage)] if mu else base
        choice, _ = eliminate(graph, costs)
        state = Assignment(core, graph, choice)
        repair(state, budget)
        improve(state, budget)
        cost = core_cost(core, graph, state.choice)
        tried[exponent] = (state.feasible(), cost)
        if _better(state, cost, best, best_cost):
            best, best_cost = state, cost

    attempt(None)
    if scale == 0.0 or best.peak() <= core.limit and best_cost == 0:
        return best
    for exponent in (-2.0, -1.0, 0.0, 1.0, 2.0):
        if should_stop():
            return best
        attempt(exponent)
    # Refine between the best grid point and its neighbours.
    feasible = [(cost, e) for e, (ok, cost) in tried.items() if ok and e is not None]
    if feasible:
        centre = min(feasible)[1]
        for exponent in (centre - 0.5, centre + 0.5, centre - 0.25, centre + 0.25):
            if should_stop():
                break
            if exponent not in tried:
                attempt(exponent)
    return best
