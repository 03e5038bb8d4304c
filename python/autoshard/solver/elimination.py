"""Min-sum elimination (PBQP style) on the core graph, ignoring memory.

Minimises  sum_i c_i[s_i] + sum_(u,v) M_uv[s_u, s_v]  (memory enters only
through penalties already added to c_i by the caller).

Nodes of degree 0, 1 and 2 are eliminated exactly:
  degree 1 (neighbour u):    c_u[a]     += min_s M_uv[a, s] + c_v[s]
  degree 2 (neighbours u, w): M_uw[a, b] += min_s M_uv[a, s] + c_v[s] + M_vw[s, b]
When every node left has degree >= 3 the graph is not series-parallel and a
node of largest degree is decided greedily (the "RN" step): it takes the
strategy minimising its cost plus, per neighbour, the best the neighbour can
answer; its edge rows then become neighbour costs. Choices of eliminated
nodes are recovered in reverse order from their neighbours' choices, so the
result is exact when no RN step was needed.
"""

from __future__ import annotations

import heapq

import numpy as np

# Degree-2 folds build a k_u x k_v x k_w tensor; above this, decide greedily.
_MAX_TENSOR = 2_000_000


class CoreGraph:
    """Adjacency of the core with float matrices, built once per solve."""

    def __init__(self, core):
        self.n = len(core.costs)
        self.k = np.array([len(c) for c in core.costs], dtype=np.int64)
        self.edge_list = list(zip(core.eu.tolist(), core.ev.tolist()))
        self.mats = [m.astype(np.float64) for m in core.mats]
        self.neighbours: list[list[tuple[int, np.ndarray]]] = [[] for _ in range(self.n)]  # (j, M_ij) with M_ij (k_i, k_j)
        for (u, v), m in zip(self.edge_list, self.mats):
            self.neighbours[u].append((v, m))
            self.neighbours[v].append((u, m.T))
        # Every node's strategies side by side (node i's at offsets[i] to
        # offsets[i + 1]), so that the repair can score the strategies of
        # thousands of live nodes in a few array operations.
        self.offsets = np.concatenate([[0], np.cumsum(self.k)]).astype(np.int64)
        self.owner = np.repeat(np.arange(self.n, dtype=np.int64), self.k)
        self.flat_usage = np.concatenate(core.usage).astype(np.int64) if self.n else np.zeros(0, np.int64)
        self._layout_local_costs(core)
        # Message passing's layouts and the recorded elimination, built on
        # first use (trws.MessagePassing.of, compiled_elimination.compiled).
        self.message_layouts = None
        self.compiled_elimination = None

    def _layout_local_costs(self, core) -> None:
        """Gathers for `all_local_costs`: the edge ends ordered so that each
        node's terms are summed in its neighbour-list order."""
        self.flat_costs = (np.concatenate(core.costs).astype(np.float64) if self.n else np.zeros(0))
        self.flat_mats = np.concatenate([m.ravel() for m in self.mats]) if self.mats else np.zeros(0)
        cells = np.array([m.size for m in self.mats], dtype=np.int64)
        mat_first = np.cumsum(cells) - cells
        eu = np.array([u for u, _ in self.edge_list], dtype=np.int64)
        ev = np.array([v for _, v in self.edge_list], dtype=np.int64)
        node, neighbour = np.concatenate([eu, ev]), np.concatenate([ev, eu])
        edge = np.concatenate([np.arange(len(eu))] * 2)
        by_node = np.lexsort((edge, node))
        first = np.flatnonzero(np.r_[True, node[by_node][1:] != node[by_node][:-1]]) if len(node) else np.zeros(0, int)
        rank = np.empty(len(node), dtype=np.int64)
        rank[by_node] = np.arange(len(node)) - np.repeat(first, np.diff(np.r_[first, len(node)]))
        order = np.lexsort((node, rank))
        self._node, self._neighbour = node[order], neighbour[order]
        is_u = order < len(eu)
        # Node u of edge e reads column s_v of M_e (stride k_v); node v reads
        # row s_u (stride 1, the row starting at s_u * k_v).
        self._first = mat_first[edge[order]]
        self._step = np.where(is_u, self.k[self._neighbour], 1)
        self._choice_stride = np.where(is_u, 1, self.k[self._node])
        lengths = self.k[self._node]
        self._repeat = np.repeat(np.arange(len(order)), lengths)
        self._within = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        self._bins = np.concatenate([np.arange(len(self.flat_costs)), self.offsets[self._node][self._repeat] + self._within])

    def all_local_costs(self, choice: np.ndarray) -> np.ndarray:
        """Every node's `Assignment.local_costs` on the flat layout: its cost
        of each strategy plus, neighbour by neighbour in the same order, the
        edge cost against the neighbour's choice (the same sums)."""
        start = self._first + choice[self._neighbour] * self._choice_stride
        gather = start[self._repeat] + self._step[self._repeat] * self._within
        weights = np.concatenate([self.flat_costs, self.flat_mats[gather]])
        return np.bincount(self._bins, weights=weights, minlength=len(self.flat_costs))


def eliminate(graph: CoreGraph, node_costs: list, edge_mats: list | None = None) -> tuple[np.ndarray, int]:
    """An assignment minimising (exactly, if no greedy step was needed) the
    penalised cost; returns it with the number of greedy (RN) steps.
    `edge_mats` replaces the graph's edge matrices (a reparametrisation)."""
    n = graph.n
    cost = [c.copy() for c in node_costs]
    adj: list[dict[int, np.ndarray]] = [dict() for _ in range(n)]
    for (u, v), m in zip(graph.edge_list, graph.mats if edge_mats is None else edge_mats):
        adj[u][v] = m
        adj[v][u] = m.T
    removed = np.zeros(n, dtype=bool)
    choice = np.full(n, -1, dtype=np.int64)
    records: list[tuple] = []  # (v, cost_v, [(u, M_uv)]) for exact eliminations, or (v, s)
    low = [i for i in range(n) if len(adj[i]) <= 2]
    heap = [(-len(adj[i]), i) for i in range(n)]
    heapq.heapify(heap)
    greedy_steps = 0
    remaining = n

    def add_edge(u, w, matrix):
        if w in adj[u]:
            matrix = adj[u][w] + matrix
        adj[u][w] = matrix
        adj[w][u] = matrix.T

    def touched(u):
        if len(adj[u]) <= 2:
            low.append(u)
        else:
            heapq.heappush(heap, (-len(adj[u]), u))

    while remaining:
        v = -1
        while low:
            cand = low.pop()
            if not removed[cand] and len(adj[cand]) <= 2:
                v = cand
                break
        if v >= 0 and len(adj[v]) == 2:
            u, w = adj[v]
            if graph.k[u] * graph.k[v] * graph.k[w] > _MAX_TENSOR:
                v = -1
        if v >= 0:
            neighbours = list(adj[v].items())
            records.append((v, cost[v], [(u, m.T) for u, m in neighbours]))
            if len(neighbours) == 1:
                (u, m), = neighbours  # m is M_vu
                cost[u] = cost[u] + (m + cost[v][:, None]).min(axis=0)
                del adj[u][v]
            elif len(neighbours) == 2:
                (u, m_vu), (w, m_vw) = neighbours
                tensor = m_vu.T[:, :, None] + cost[v][None, :, None] + m_vw[None, :, :]
                del adj[u][v]
                del adj[w][v]
                add_edge(u, w, tensor.min(axis=1))
            adj[v] = {}
            removed[v] = True
            remaining -= 1
            for u, _ in neighbours:
                touched(u)
            continue
        # Greedy step on a node of largest degree.
        while True:
            _, v = heapq.heappop(heap)
            if not removed[v]:
                break
        greedy_steps += 1
        score = cost[v].copy()
        for u, m in adj[v].items():
            score += (m + cost[u][None, :]).min(axis=1)
        s = int(np.argmin(score))
        choice[v] = s
        records.append((v, s))
        for u, m in adj[v].items():
            cost[u] = cost[u] + m[s]
            del adj[u][v]
            touched(u)
        adj[v] = {}
        removed[v] = True
        remaining -= 1

    for record in reversed(records):
        if len(record) == 2:
            continue
        v, cost_v, parts = record
        total = cost_v.copy()
        for u, m_uv in parts:
            total += m_uv[choice[u]]
        choice[v] = int(np.argmin(total))
    return choice, greedy_steps
