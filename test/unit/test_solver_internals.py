"""Solver internals: reductions are exact, elimination is exact on trees,
the message-passing bound is a lower bound, the memory profile is right."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from autoshard.solver import FORBIDDEN_COST, Problem, evaluate
from autoshard.solver.elimination import CoreGraph, eliminate
from autoshard.solver.local_search import Assignment, core_cost
from autoshard.solver.reduce import reduce
from autoshard.solver.trws import MessagePassing


def _random_problem(rng: random.Random, n: int, tree: bool, limit: bool) -> Problem:
    ks = [rng.randint(1, 3) for _ in range(n)]
    edges = [[rng.randrange(i), i] for i in range(1, n)] if tree else [
        [rng.randrange(n), rng.randrange(n)] for _ in range(2 * n)
    ]
    intervals = []
    for _ in range(n):
        start = rng.randint(0, 8)
        intervals.append([start, start + rng.randint(0, 5)])
    return Problem(
        "r",
        intervals,
        [[rng.randint(0, 50) for _ in range(k)] for k in ks],
        [[rng.randint(0, 9) for _ in range(k)] for k in ks],
        edges,
        [[rng.choice([0, rng.randint(0, 50), 10**18]) for _ in range(ks[u] * ks[v])] for u, v in edges],
        rng.randint(5, 30) if limit else None,
    )


def _optimum(problem: Problem, respect_limit: bool = True):
    best = None
    for assignment in itertools.product(*[range(len(c)) for c in problem.costs]):
        cost, peak = evaluate(problem, assignment)
        if respect_limit and problem.usage_limit is not None and peak > problem.usage_limit:
            continue
        best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("case", range(40))
def test_reduction_keeps_the_optimum(case):
    """Every core assignment expands to an assignment of the same cost, and
    the best core assignment within the core's memory profile is optimal."""
    rng = random.Random(case)
    problem = _random_problem(rng, rng.randint(1, 7), tree=False, limit=case % 2 == 0)
    reduction = reduce(problem)
    core = reduction.core
    graph = CoreGraph(core)
    best = None
    for choice in itertools.product(*[range(len(c)) for c in core.costs]):
        state = Assignment(core, graph, choice)
        full = reduction.expand(choice)
        cost, peak = evaluate(problem, full)
        assert cost == pytest.approx(core_cost(core, graph, choice), rel=1e-12) or cost >= FORBIDDEN_COST
        # The kept time points see the true load wherever it can exceed the limit.
        if core.limit is not None:
            assert state.feasible() == (peak <= core.limit)
            if state.feasible():
                best = cost if best is None else min(best, cost)
        else:
            best = cost if best is None else min(best, cost)
    optimum = _optimum(problem)
    if optimum is not None and optimum < FORBIDDEN_COST:
        assert best == optimum
    else:
        # No allowed assignment within the limit: the core has none either.
        assert best is None or best >= FORBIDDEN_COST


@pytest.mark.parametrize("case", range(20))
def test_elimination_is_exact_on_trees(case):
    rng = random.Random(100 + case)
    problem = _random_problem(rng, rng.randint(2, 8), tree=True, limit=False)
    core = reduce(problem).core
    graph = CoreGraph(core)
    choice, greedy_steps = eliminate(graph, [c.astype(float) for c in core.costs])
    assert greedy_steps == 0
    best = min(core_cost(core, graph, c) for c in itertools.product(*[range(len(x)) for x in core.costs]))
    assert core_cost(core, graph, choice) == best


@pytest.mark.parametrize("case", range(20))
def test_message_passing_bound_is_below_the_optimum(case):
    rng = random.Random(200 + case)
    problem = _random_problem(rng, rng.randint(2, 7), tree=False, limit=False)
    core = reduce(problem).core
    graph = CoreGraph(core)
    costs = [c.astype(float) for c in core.costs]
    passing = MessagePassing(graph)
    for _ in range(5):
        passing.sweep(costs, True)
        passing.sweep(costs, False)
    allowed = [
        core_cost(core, graph, c)
        for c in itertools.product(*[range(len(x)) for x in core.costs])
        if core_cost(core, graph, c) < FORBIDDEN_COST
    ]
    if allowed:
        assert passing.lower_bound(costs) + core.offset <= min(allowed) + 1e-6


def test_profile_matches_the_checker():
    rng = random.Random(5)
    problem = _random_problem(rng, 7, tree=False, limit=True)
    reduction = reduce(problem)
    core = reduction.core
    graph = CoreGraph(core)
    for choice in itertools.islice(itertools.product(*[range(len(c)) for c in core.costs]), 50):
        state = Assignment(core, graph, choice)
        _, peak = evaluate(problem, reduction.expand(choice))
        if peak > problem.usage_limit:
            assert state.peak() == peak
        else:
            assert state.peak() <= problem.usage_limit
    assert np.all(core.hi >= core.lo)

