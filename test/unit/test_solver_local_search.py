"""The memory repair scores every live node at once and the descent reads
every node's local costs from one flat array (local_search.repair, improve,
CoreGraph.all_local_costs); they must make exactly the moves of the
node-by-node versions they replaced, ties included, and leave an exact
memory profile."""

from __future__ import annotations

import random

import numpy as np
import pytest

from autoshard.solver import Problem, evaluate
from autoshard.solver.elimination import CoreGraph
from autoshard.solver.local_search import Assignment, improve, profile, repair
from autoshard.solver.reduce import reduce


def _reference_repair(state: Assignment, budget: int) -> int:
    """The greedy as first written: per step, every live node in turn, its
    cheapest cost increase per byte saved, the first strictly best kept."""
    core = state.core
    if state.limit is None or len(state.load) == 0:
        return 0
    used = 0
    while used < budget:
        t = int(np.argmax(state.load))
        excess = int(state.load[t]) - state.limit
        if excess <= 0:
            break
        best = None
        for i in np.flatnonzero((core.lo <= t) & (core.hi > t)).tolist():
            used += 1
            u = core.usage[i]
            s = state.choice[i]
            saved = u[s] - u
            if saved.max() <= 0:
                continue
            local = state.local_costs(i)
            ratio = np.where(saved > 0, (local - local[s]) / np.minimum(saved, excess).clip(min=1), np.inf)
            b = int(np.argmin(ratio))
            if best is None or ratio[b] < best[0]:
                best = (ratio[b], i, b)
        if best is None:
            break
        state.move(best[1], best[2])
    return used


def _reference_improve(state: Assignment, budget: int) -> int:
    """The first-improvement descent as first written: local costs computed
    node by node at every evaluation."""
    core, graph = state.core, state.graph
    queue = list(range(graph.n - 1, -1, -1))
    queued = np.ones(graph.n, dtype=bool)
    used = 0
    while queue and used < budget:
        i = queue.pop()
        queued[i] = False
        used += 1
        if graph.k[i] == 1:
            continue
        local = state.local_costs(i)
        s = state.choice[i]
        for b in np.argsort(local, kind="stable"):
            if local[b] >= local[s] - 1e-9 * max(1.0, abs(local[s])):
                break
            if state.limit is not None:
                delta = int(core.usage[i][b]) - int(core.usage[i][s])
                lo, hi = core.lo[i], core.hi[i]
                if delta > 0 and hi > lo and state.load[lo:hi].max() + delta > state.limit:
                    continue
            state.move(i, int(b))
            for j, _ in graph.neighbours[i]:
                if not queued[j]:
                    queued[j] = True
                    queue.append(j)
            break
    return used


def _problem(seed: int, n: int, ties: bool) -> Problem:
    """Long-lived overlapping nodes (many live at once) whose cheap strategies
    use more memory; with `ties`, costs and usages from a few values so that
    equal ratios occur."""
    rng = random.Random(seed)
    intervals, costs, usages = [], [], []
    for i in range(n):
        k = rng.randint(1, 5)
        start = rng.randint(0, n)
        intervals.append([start, start + rng.randint(1, n // 2)])
        pick = (lambda: rng.choice([0, 10, 20])) if ties else (lambda: rng.randint(0, 500))
        costs.append(sorted(pick() for _ in range(k)))
        usages.append(sorted(((rng.choice([100, 200, 300]) if ties else rng.randint(1, 900)) for _ in range(k)),
                             reverse=True))
    edges = sorted({tuple(sorted(rng.sample(range(n), 2))) for _ in range(2 * n)})
    edge_costs = [[(rng.choice([0, 5]) if ties else rng.randint(0, 100)) for _ in range(len(costs[u]) * len(costs[v]))]
                  for u, v in edges]
    free = Problem("free", intervals, costs, usages, [list(e) for e in edges], edge_costs)
    least = evaluate(free, [len(c) - 1 for c in costs])[1]
    most = evaluate(free, [0] * n)[1]
    return Problem("p", intervals, costs, usages, [list(e) for e in edges], edge_costs,
                   usage_limit=least + (most - least) // rng.choice([3, 2, 1 << 20]))


@pytest.mark.parametrize("seed", range(24))
def test_repair_makes_the_reference_greedys_moves(seed):
    problem = _problem(seed, n=40 + seed, ties=seed % 2 == 0)
    core = reduce(problem).core
    if core.limit is None or len(core.baseline) == 0:
        pytest.skip("the reductions left no time point where memory can bind")
    graph = CoreGraph(core)
    rng = np.random.default_rng(seed)
    start = np.array([int(rng.integers(len(c))) if seed % 3 else int(np.argmax(u))
                      for c, u in zip(core.costs, core.usage)], np.int64)
    for budget in (7, 10**9):
        ours, theirs = Assignment(core, graph, start), Assignment(core, graph, start)
        used = repair(ours, budget)
        assert used == _reference_repair(theirs, budget)
        assert ours.choice.tolist() == theirs.choice.tolist()
        assert ours.load.tolist() == profile(core, ours.choice).tolist()
    # With evaluations to spare it stops within the limit, or where no node
    # live at the worst time point can save anything.
    t = int(np.argmax(ours.load))
    live = np.flatnonzero((core.lo <= t) & (core.hi > t))
    assert ours.feasible() or all(core.usage[i][ours.choice[i]] == core.usage[i].min() for i in live.tolist())


@pytest.mark.parametrize("seed", range(24))
def test_improve_makes_the_reference_descents_moves(seed):
    problem = _problem(100 + seed, n=40 + seed, ties=seed % 2 == 0)
    core = reduce(problem).core
    graph = CoreGraph(core)
    rng = np.random.default_rng(seed)
    start = Assignment(core, graph, np.array([int(rng.integers(len(c))) for c in core.costs], np.int64))
    repair(start, 10**9)
    flat = graph.all_local_costs(start.choice)
    for i in range(graph.n):
        assert flat[graph.offsets[i]:graph.offsets[i + 1]].tolist() == start.local_costs(i).tolist()
    moved = False
    for budget in (5, graph.n + 3, 10**9):
        ours, theirs = start.copy(), start.copy()
        used = improve(ours, budget)
        assert used == _reference_improve(theirs, budget)
        assert ours.choice.tolist() == theirs.choice.tolist()
        assert ours.load.tolist() == profile(core, ours.choice).tolist()
        moved |= ours.choice.tolist() != start.choice.tolist()
    assert moved, "the descent made no move: the case tests nothing"
