"""The certified lower bound (dual.py): the Lagrangian dual of the memory
limit, priced per time point, is never above the optimum within the limit,
for any prices and any messages, and is computed deterministically."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from autoshard.solver import Problem, evaluate
from autoshard.solver.dual import LagrangianBound, certified, lagrangian_bound
from autoshard.solver.elimination import CoreGraph
from autoshard.solver.reduce import reduce
from autoshard.solver.trws import MessagePassing


def _problem(rng: random.Random, n: int) -> Problem:
    """A random problem whose limit binds: between the least and the most
    memory any assignment can take at the busiest time."""
    ks = [rng.randint(2, 3) for _ in range(n)]
    edges = [[rng.randrange(i), i] for i in range(1, n)] + [[rng.randrange(n), rng.randrange(n)] for _ in range(n // 2)]
    intervals = []
    for _ in range(n):
        start = rng.randint(0, 6)
        intervals.append([start, start + rng.randint(1, 4)])
    usages = [[rng.randint(0, 9) for _ in range(k)] for k in ks]
    low = sum(min(u) for u in usages)
    return Problem(
        "bound",
        intervals,
        [[rng.randint(0, 60) for _ in range(k)] for k in ks],
        usages,
        edges,
        [[rng.choice([0, rng.randint(0, 60), rng.randint(0, 60), 10**18]) for _ in range(ks[u] * ks[v])]
         for u, v in edges],
        rng.randint(low // 3, low),
    )


def _optimum(problem: Problem):
    best = None
    for assignment in itertools.product(*[range(len(c)) for c in problem.costs]):
        cost, peak = evaluate(problem, assignment)
        if peak <= problem.usage_limit and cost < 10**15:
            best = cost if best is None else min(best, cost)
    return best


def _cases():
    found = []
    for seed in range(200):
        rng = random.Random(seed)
        problem = _problem(rng, rng.randint(4, 8))
        optimum = _optimum(problem)
        if optimum is not None:
            found.append((problem, optimum))
        if len(found) == 12:
            break
    return found


CASES = _cases()


@pytest.mark.parametrize("index", range(len(CASES)))
def test_bound_is_below_the_optimum(index):
    problem, optimum = CASES[index]
    core = reduce(problem).core
    graph = CoreGraph(core)
    for upper in (float(optimum), np.inf):
        bound = lagrangian_bound(core, graph, 15, upper, lambda: False)
        assert certified(bound) <= optimum


@pytest.mark.parametrize("index", range(len(CASES)))
def test_any_prices_and_messages_give_a_valid_bound(index):
    """The bound's validity does not depend on the search: random messages
    and random prices still give a value at most the optimum."""
    problem, optimum = CASES[index]
    core = reduce(problem).core
    graph = CoreGraph(core)
    rng = np.random.default_rng(index)
    messages = MessagePassing(graph)
    for pair in messages.messages:
        pair[0][:] = rng.uniform(0, 50, len(pair[0]))
        pair[1][:] = rng.uniform(0, 50, len(pair[1]))
    base = [c.astype(np.float64) for c in core.costs]
    node, constant = messages.pushed(base)
    climb = LagrangianBound(core, node, constant)
    for _ in range(5):
        mu = rng.uniform(0, 20, len(core.baseline)) * rng.integers(0, 2, len(core.baseline))
        value, _ = climb.value(mu)
        assert value <= optimum + 1e-6


def test_the_climb_tightens_the_memory_free_bound():
    """Where the limit binds, pricing memory raises the bound above the
    bound at mu = 0 on at least some of the cases."""
    raised = 0
    for problem, optimum in CASES:
        core = reduce(problem).core
        graph = CoreGraph(core)
        messages = MessagePassing(graph)
        base = [c.astype(np.float64) for c in core.costs]
        for _ in range(10):
            messages.sweep(base, True)
            messages.sweep(base, False)
        node, constant = messages.pushed(base)
        climb = LagrangianBound(core, node, constant)
        free, _ = climb.value(np.zeros(len(core.baseline)))
        best, _ = climb.maximise(100, float(optimum))
        assert free - 1e-6 <= best <= optimum + 1e-6
        raised += best > free + 1e-6
    assert raised > 0


def test_bound_is_deterministic():
    problem, optimum = CASES[0]
    core = reduce(problem).core
    graph = CoreGraph(core)
    first = lagrangian_bound(core, graph, 10, float(optimum), lambda: False)
    assert lagrangian_bound(core, CoreGraph(core), 10, float(optimum), lambda: False) == first
