"""Assignments of the core with their memory profile, memory repair and
single-node local search.

The profile holds, per kept time point t, baseline_t + sum of the chosen
extra usages of the core nodes live at t; an assignment is feasible when
every entry is <= limit. All moves keep the profile exact (integers).
"""

from __future__ import annotations

import numpy as np


class Assignment:
    """A core assignment and its memory profile, updated move by move."""

    def __init__(self, core, graph, choice):
        self.core = core
        self.graph = graph
        self.choice = np.array(choice, dtype=np.int64)
        self.limit = core.limit
        self.load = profile(core, self.choice)

    def copy(self) -> "Assignment":
        other = object.__new__(Assignment)
        other.core, other.graph, other.limit = self.core, self.graph, self.limit
        other.choice = self.choice.copy()
        other.load = self.load.copy()
        return other

    def peak(self) -> int:
        return int(self.load.max()) if len(self.load) else 0

    def feasible(self) -> bool:
        return self.limit is None or self.peak() <= self.limit

    def local_costs(self, i) -> np.ndarray:
        """Cost of each strategy of node i given its neighbours' choices."""
        total = self.core.costs[i].astype(np.float64)
        choice = self.choice
        for j, m in self.graph.neighbours[i]:
            total = total + m[:, choice[j]]
        return total

    def move(self, i, s) -> None:
        old = self.choice[i]
        if old == s:
            return
        delta = int(self.core.usage[i][s]) - int(self.core.usage[i][old])
        if delta:
            self.load[self.core.lo[i]:self.core.hi[i]] += delta
        self.choice[i] = s


def profile(core, choice) -> np.ndarray:
    """baseline + chosen extra usages, per kept time point (int64)."""
    diff = np.zeros(len(core.baseline) + 1, dtype=np.int64)
    used = np.array([core.usage[i][s] for i, s in enumerate(choice)], dtype=np.int64)
    np.add.at(diff, core.lo, used)
    np.add.at(diff, core.hi, -used)
    return core.baseline + np.cumsum(diff)[:-1]


def interval_max(load: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per node, the largest entry of `load` over its time points lo..hi-1
    (-inf where it has none), from a sparse table: O(T log T) to build,
    two lookups per node."""
    out = np.full(len(lo), -np.inf)
    length = hi - lo
    has = length > 0
    if not has.any():
        return out
    levels = [np.asarray(load, dtype=np.float64)]
    while (2 << (len(levels) - 1)) <= len(load):
        half = 1 << (len(levels) - 1)
        previous = levels[-1]
        levels.append(np.maximum(previous[:-half], previous[half:]))
    level = np.zeros(len(lo), dtype=np.int64)
    level[has] = np.floor(np.log2(length[has])).astype(np.int64)
    for k in np.unique(level[has]).tolist():
        rows = np.flatnonzero(has & (level == k))
        table = levels[k]
        out[rows] = np.maximum(table[lo[rows]], table[hi[rows] - (1 << k)])
    return out


def core_cost(core, graph, choice) -> float:
    total = float(core.offset)
    for i, s in enumerate(choice):
        total += float(core.costs[i][s])
    for (u, v), m in zip(graph.edge_list, graph.mats):
        total += m[choice[u], choice[v]]
    return total


def improve(state: Assignment, budget: int) -> int:
    """First-improvement descent: move single nodes to their cheapest
    strategy that keeps the profile within the limit, until no node improves
    or `budget` node evaluations are spent. Returns the evaluations used."""
    core, graph = state.core, state.graph
    limit = state.limit
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
        order = np.argsort(local, kind="stable")
        for b in order:
            if local[b] >= local[s] - 1e-9 * max(1.0, abs(local[s])):
                break
            if limit is not None:
                delta = int(core.usage[i][b]) - int(core.usage[i][s])
                lo, hi = core.lo[i], core.hi[i]
                if delta > 0 and hi > lo and state.load[lo:hi].max() + delta > limit:
                    continue
            state.move(i, int(b))
            for j, _ in graph.neighbours[i]:
                if not queued[j]:
                    queued[j] = True
                    queue.append(j)
            break
    return used


def repair(state: Assignment, budget: int) -> int:
    """Greedy memory repair: while some time point is over the limit, take the
    worst one and move the live node with the smallest cost increase per unit
    of usage saved there. Returns the evaluations used."""
    core = state.core
    if state.limit is None or len(state.load) == 0:
        return 0
    used = 0
    lo, hi = core.lo, core.hi
    while used < budget:
        t = int(np.argmax(state.load))
        excess = int(state.load[t]) - state.limit
        if excess <= 0:
            break
        live = np.flatnonzero((lo <= t) & (hi > t))
        best = None
        for i in live.tolist():
            used += 1
            u = core.usage[i]
            s = state.choice[i]
            saved = u[s] - u
            if saved.max() <= 0:
                continue
            local = state.local_costs(i)
            extra = local - local[s]
            # Prefer moves that clear the excess; among them the cheapest per byte.
            ratio = np.where(saved > 0, extra / np.minimum(saved, excess).clip(min=1), np.inf)
            b = int(np.argmin(ratio))
            if best is None or ratio[b] < best[0]:
                best = (ratio[b], i, b)
        if best is None:
            break
        state.move(best[1], best[2])
    return used
