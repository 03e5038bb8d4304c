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
    if graph.n == 0:
        return 0
    # Every node's local costs at once; a node keeps them until a neighbour
    # moves, and one whose cheapest strategy is not cheaper than its own (by
    # the tolerance below) cannot move, so most evaluations are one lookup.
    offsets = graph.offsets
    flat = graph.all_local_costs(state.choice)
    current = flat[offsets[:-1] + state.choice]
    stuck = (np.minimum.reduceat(flat, offsets[:-1]) >= current - 1e-9 * np.maximum(1.0, np.abs(current))).tolist()
    fresh = np.ones(graph.n, dtype=bool)
    single = (graph.k == 1).tolist()
    while queue and used < budget:
        i = queue.pop()
        queued[i] = False
        used += 1
        if single[i] or (fresh[i] and stuck[i]):
            continue
        local = flat[offsets[i]:offsets[i + 1]] if fresh[i] else state.local_costs(i)
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
            fresh[i] = False
            for j, _ in graph.neighbours[i]:
                fresh[j] = False
                if not queued[j]:
                    queued[j] = True
                    queue.append(j)
            break
    return used


def repair(state: Assignment, budget: int) -> int:
    """Greedy memory repair: while some time point is over the limit, take the
    worst one and move the live node with the smallest cost increase per unit
    of usage saved there (ties: the lowest node, then the lowest strategy).
    Returns the evaluations used (one per live node scored).

    All live nodes' strategies are scored at once on the graph's flat layout;
    a node's local costs are computed as `local_costs` does and kept until a
    neighbour moves (on S about 3,000 nodes are live at the worst time point
    and a repair makes about a hundred moves)."""
    core, graph = state.core, state.graph
    if state.limit is None or len(state.load) == 0:
        return 0
    used = 0
    lo, hi = core.lo, core.hi
    offsets, owner, usage = graph.offsets, graph.owner, graph.flat_usage
    local = np.zeros(len(owner))
    fresh = np.zeros(graph.n, dtype=bool)
    while used < budget:
        t = int(np.argmax(state.load))
        excess = int(state.load[t]) - state.limit
        if excess <= 0:
            break
        is_live = (lo <= t) & (hi > t)
        live = np.flatnonzero(is_live)
        used += len(live)
        for i in live[~fresh[live]].tolist():
            local[offsets[i]:offsets[i + 1]] = state.local_costs(i)
            fresh[i] = True
        entries = np.flatnonzero(is_live[owner])
        current = offsets[owner[entries]] + state.choice[owner[entries]]
        saved = usage[current] - usage[entries]
        if not (saved > 0).any():
            break
        extra = local[entries] - local[current]
        # Prefer moves that clear the excess; among them the cheapest per byte.
        ratio = np.where(saved > 0, extra / np.minimum(saved, excess).clip(min=1), np.inf)
        best = entries[int(np.argmin(ratio))]
        i = int(owner[best])
        state.move(i, int(best - offsets[i]))
        for j, _ in graph.neighbours[i]:
            fresh[j] = False
    return used
