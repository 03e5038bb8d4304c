"""Sequential decoding of reparametrised costs (Kolmogorov 2006, sec. 5).

Nodes are decided in core order, each taking
    x_i = argmin_s  theta_i[s] + sum_(j < i, j ~ i) Mhat_ij[x_j, s]
where theta and Mhat are the costs after the messages (trws.py). Those
costs already hold what the later neighbours will say; the earlier
neighbours' parts are read off the edge matrices at their decided choices.
This is the decoding TRW-S itself uses, and it costs about one sweep.

It finds other answers than elimination (elimination.py) from the same
messages: on M, after 18 passes it decodes 5.074e10 where elimination
stays at 5.253e10 until pass 46; on A and S it finds nothing elimination
does not. A node waits only for its earlier neighbours, so the nodes of one
depth of that order are decided together in a few array operations.
"""

from __future__ import annotations

import numpy as np


class SequentialDecoder:
    """The levels of the forward order over `graph` (a CoreGraph), with the
    gathers that read each node's costs and its earlier neighbours' edge
    rows or columns out of the flat layouts of MessagePassing: node costs
    at graph.offsets, edge e's matrix row-major from mat_first[e]."""

    def __init__(self, graph, mat_first: np.ndarray):
        n, k, offsets = graph.n, graph.k, graph.offsets
        eu = np.array([u for u, _ in graph.edge_list], dtype=np.int64)
        ev = np.array([v for _, v in graph.edge_list], dtype=np.int64)
        # Per incidence (node, earlier neighbour): the cells of the node's
        # strategies given the neighbour's choice c are
        # base + c * mult + step * t, t = 0 .. k_node - 1.
        second = eu < ev  # the node is the edge's second end, the neighbour its first
        node = np.where(second, ev, eu)
        neighbour = np.where(second, eu, ev)
        base = np.asarray(mat_first, dtype=np.int64)
        mult = np.where(second, k[ev], 1)
        step = np.where(second, 1, k[ev])
        depth = np.zeros(n, dtype=np.int64)
        waits: list[list[int]] = [[] for _ in range(n)]
        for i, j in zip(node.tolist(), neighbour.tolist()):
            waits[i].append(j)
        for i in range(n):
            if waits[i]:
                depth[i] = 1 + max(depth[j] for j in waits[i])
        order = np.argsort(depth, kind="stable")
        counts = np.bincount(depth, minlength=int(depth.max()) + 1 if n else 0)
        groups = np.split(order, np.cumsum(counts)[:-1]) if n else []
        incidence_order = np.argsort(depth[node], kind="stable")
        incidence_counts = np.bincount(depth[node], minlength=len(counts))
        incidence_groups = np.split(incidence_order, np.cumsum(incidence_counts)[:-1]) if n else []
        self.levels = [_Level(nodes, rows, k, offsets, node, neighbour, base, mult, step)
                       for nodes, rows in zip(groups, incidence_groups)]
        self.n = n

    def decode(self, node_costs: np.ndarray, flat_mats: np.ndarray) -> np.ndarray:
        """The choices, decided level by level (ties: the first strategy)."""
        choice = np.zeros(self.n, dtype=np.int64)
        for level in self.levels:
            level.decide(node_costs, flat_mats, choice)
        return choice


class _Level:
    """Nodes of one depth: none is an earlier neighbour of another."""

    def __init__(self, nodes, rows, k, offsets, node, neighbour, base, mult, step):
        ks = k[nodes]
        self.nodes = nodes
        self.size = int(ks.sum())
        self.first = np.cumsum(ks) - ks
        self.sizes = ks
        self.cost_gather = _ranges(offsets[nodes], ks)
        local = np.zeros(int(nodes.max()) + 1 if len(nodes) else 0, dtype=np.int64)
        local[nodes] = self.first
        row_k = k[node[rows]]
        self.neighbour = neighbour[rows]
        self.base, self.mult = base[rows], mult[rows]
        self.repeat = np.repeat(np.arange(len(rows)), row_k)
        within = _ranges(np.zeros(len(rows), np.int64), row_k)
        self.offset = step[rows][self.repeat] * within
        self.bins = local[node[rows]][self.repeat] + within
        self.owner = np.repeat(np.arange(len(nodes)), ks)

    def decide(self, node_costs, flat_mats, choice) -> None:
        score = node_costs[self.cost_gather]
        if len(self.neighbour):
            start = self.base + choice[self.neighbour] * self.mult
            cells = flat_mats[start[self.repeat] + self.offset]
            score = score + np.bincount(self.bins, weights=cells, minlength=self.size)
        smallest = np.minimum.reduceat(score, self.first)
        at_min = np.flatnonzero(score == smallest[self.owner])
        owners = self.owner[at_min]
        firsts = at_min[np.r_[True, owners[1:] != owners[:-1]]]
        choice[self.nodes] = firsts - self.first


def _ranges(first: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """first[0]..first[0]+lengths[0]-1, then first[1].., concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    ends = np.cumsum(lengths)
    return np.arange(total, dtype=np.int64) + np.repeat(first - (ends - lengths), lengths)
