"""Per-node memory prices (lagrangian.py) and the interval maximum they use:
exact against brute force, raise only the nodes live where memory is
violated, and give feasible, deterministic answers through the driver."""

from __future__ import annotations

import importlib
import itertools
import random

import numpy as np
import pytest

from autoshard.solver import Problem, evaluate
from autoshard.solver.elimination import CoreGraph
from autoshard.solver.lagrangian import NODE_DOWN, NODE_UP, FirstAnswer
from autoshard.solver.local_search import Assignment, core_cost, interval_max
from autoshard.solver.reduce import reduce

# The module, not the `solve` function the package exports under that name.
solve_module = importlib.import_module("autoshard.solver.solve")


@pytest.mark.parametrize("case", range(30))
def test_interval_max_is_the_brute_force_maximum(case):
    rng = np.random.default_rng(case)
    load = rng.integers(-50, 100, size=int(rng.integers(1, 70)))
    lo = rng.integers(0, len(load) + 1, size=40)
    hi = np.minimum(lo + rng.integers(0, 20, size=40), len(load))
    got = interval_max(load, lo, hi)
    for i in range(40):
        expected = load[lo[i]:hi[i]].max() if hi[i] > lo[i] else -np.inf
        assert got[i] == expected, (i, lo[i], hi[i])


def _binding_problem(seed: int, n: int = 8) -> Problem:
    """Overlapping nodes whose cheaper strategies use more memory, with the
    limit halfway between the least-usage and the most-usage peaks."""
    rng = random.Random(seed)
    k = 3
    intervals = [[i, i + rng.randint(2, 6)] for i in range(n)]
    costs = [sorted(rng.randint(0, 60) for _ in range(k)) for _ in range(n)]
    usages = [sorted((rng.randint(100, 1200) for _ in range(k)), reverse=True) for _ in range(n)]
    edges = [[i, i + 1] for i in range(n - 1)] + [[i, i + 2] for i in range(n - 2)]
    edge_costs = [[rng.randint(0, 30) for _ in range(k * k)] for _ in edges]
    unlimited = Problem("free", intervals, costs, usages, edges, edge_costs)
    least, most = evaluate(unlimited, [k - 1] * n)[1], evaluate(unlimited, [0] * n)[1]
    return Problem("binding", intervals, costs, usages, edges, edge_costs, usage_limit=(least + most) // 2)


def _optimum(problem: Problem):
    best = None
    for assignment in itertools.product(*[range(len(c)) for c in problem.costs]):
        cost, peak = evaluate(problem, assignment)
        if peak <= problem.usage_limit and (best is None or cost < best):
            best = cost
    return best


def test_reweigh_raises_exactly_the_nodes_live_over_the_limit():
    problem = _binding_problem(0)
    core = reduce(problem).core
    assert core.limit is not None and len(core.baseline)
    graph = CoreGraph(core)
    answer = FirstAnswer(core, graph, 100, per_node=True)
    state = Assignment(core, graph, np.array([int(np.argmax(u)) for u in core.usage]))
    assert not state.feasible()
    answer._reweigh(state.load)
    over = np.flatnonzero(state.load > core.limit)
    for i in range(graph.n):
        live_over = any(core.lo[i] <= t < core.hi[i] for t in over.tolist())
        assert answer.weight[i] == pytest.approx(NODE_UP if live_over else NODE_DOWN), i


@pytest.mark.parametrize("seed", range(12))
def test_per_node_prices_give_feasible_answers_no_better_than_the_optimum(seed):
    problem = _binding_problem(seed)
    reduction = reduce(problem)
    core = reduction.core
    graph = CoreGraph(core)
    answer = FirstAnswer(core, graph, 40 * max(graph.n, 1), per_node=True)
    state = answer.run(20, lambda: False)
    optimum = _optimum(problem)
    cost, peak = evaluate(problem, reduction.expand(state.choice))
    assert cost == pytest.approx(core_cost(core, graph, state.choice))
    if optimum is not None and state.feasible():
        assert peak <= problem.usage_limit
        assert cost >= optimum


def test_driver_switches_to_per_node_prices_where_memory_binds(monkeypatch):
    """With the whole-model threshold at 0 the small problem takes the
    large-core path: the probe binds, per-node prices run, and two runs
    with one seed agree; the answer is the checker's and within the limit."""
    monkeypatch.setattr(solve_module, "FULL_MODEL_MAX_PAIRS", 0)
    problem = _binding_problem(1, n=40)
    said: list = []
    first = solve_module.solve_with_progress(problem, time_limit=2, seed=0, wall_limit=600, log=said.append)
    second = solve_module.solve_with_progress(problem, time_limit=2, seed=0, wall_limit=600)
    assert any("per-node prices after" in line for line in said), said
    assert first.assignment == second.assignment
    assert evaluate(problem, first.assignment) == (first.cost, first.peak_usage)
    assert first.peak_usage <= problem.usage_limit
