"""Large-neighbourhood search: re-solve windows of the core exactly.

A window is a connected set of core nodes grown breadth-first from a seed;
everything outside keeps its strategy, and the window is re-solved with the
exact CP-SAT model (its edges to fixed nodes become unary costs, the fixed
nodes' usage becomes part of the memory right-hand sides). The result is
never worse than the current assignment, which is passed as a hint.

Seeds go to the nodes paying the most on their own strategy and edges, each
seed at most once per pass, so the search works on the expensive parts
first. The window size adapts: it grows while windows solve to optimality
well within their deterministic time, and shrinks when they do not.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from .cpsat_model import WindowModel
from .local_search import Assignment, core_cost


def _node_pressure(state: Assignment) -> np.ndarray:
    """What each node pays now: its cost plus its incident edge costs."""
    core, graph, choice = state.core, state.graph, state.choice
    pressure = np.array([float(c[s]) for c, s in zip(core.costs, choice)])
    for (u, v), m in zip(graph.edge_list, graph.mats):
        paid = m[choice[u], choice[v]]
        pressure[u] += paid
        pressure[v] += paid
    return pressure


def _window(graph, seed: int, size: int) -> np.ndarray:
    seen = {seed}
    queue = deque([seed])
    while queue and len(seen) < size:
        i = queue.popleft()
        for j, _ in graph.neighbours[i]:
            if j not in seen:
                seen.add(j)
                queue.append(j)
                if len(seen) >= size:
                    break
    return np.array(sorted(seen), dtype=np.int64)


def large_neighbourhood_search(state: Assignment, windows: int, window_time: float, seconds_left, threads: int,
                               seed: int, log=None) -> Assignment:
    """Improve `state` in place with up to `windows` windows of at most
    `window_time` deterministic seconds each; seconds_left() is the
    wall-clock guard."""
    core, graph = state.core, state.graph
    rng = np.random.default_rng(seed)
    size = 200
    used_seed = np.zeros(graph.n, dtype=bool)
    cost = core_cost(core, graph, state.choice)
    for _ in range(windows):
        if seconds_left() < 1.0:
            break
        pressure = _node_pressure(state)
        pressure[used_seed] = -1.0
        if pressure.max() <= 0:
            used_seed[:] = False
            pressure = _node_pressure(state)
            if pressure.max() <= 0:
                break
        # Break ties between equally expensive nodes reproducibly.
        candidates = np.flatnonzero(pressure >= pressure.max() * (1 - 1e-12))
        start = int(candidates[rng.integers(len(candidates))])
        free = _window(graph, start, size)
        used_seed[free[pressure[free] <= pressure[start]]] = True
        used_seed[start] = True
        model = WindowModel(core, graph, free, state.choice, state.load)
        model.hint(state.choice)
        result = model.solve(window_time, min(window_time * 6, seconds_left() - 0.5), threads, seed,
                             light_presolve=True)
        if result.choice is not None:
            trial = state.copy()
            for position, i in enumerate(free.tolist()):
                trial.move(i, int(result.choice[position]))
            trial_cost = core_cost(core, graph, trial.choice)
            if trial.feasible() and trial_cost <= cost:
                state.choice, state.load = trial.choice, trial.load
                cost = trial_cost
        if result.status == "optimal":
            size = min(int(size * 1.25) + 1, graph.n)
        else:
            size = max(30, int(size * 0.8))
        if log:
            log(f"lns window {len(free)} {result.status} cost {cost:.6g}")
    return state
