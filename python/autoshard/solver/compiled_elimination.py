"""The elimination heuristic (elimination.py) replayed level by level.

Which node `eliminate` removes next, by which rule, and which matrices it
reads and creates depend only on the graph and the strategy counts, never on
the costs: so the steps are recorded once per graph (`_record`) and every
decode replays them on new numbers. Steps that do not depend on each other
form a level, and a level's steps of one kind are a few array operations
over flat index arrays (as trws.py's levels are):

- fold1 (degree 1, v into u):   c_u[t] += min_s M_vu[s, t] + c_v[s]
- fold2 (degree 2, u - v - w):  M_uw[a, b] (+)= min_s M_uv[a, s] + c_v[s] + M_vw[s, b]
- greedy (v of largest degree): s* = argmin_s c_v[s] + sum_u min_t M_vu[s, t] + c_u[t];
                                 c_u += M_vu[s*, :]

A step reads the node costs as they are before its level and writes after
it, so a step is placed after every earlier step writing what it reads, and
no earlier than any earlier step reading what it writes. Costs added into
the same node by one level are summed first, so sums may round differently
from `eliminate`'s (the choices are then the same up to near-ties).
Choices are recovered in reverse, level by level: a folded node takes its
cheapest strategy given the neighbours it was folded into.
"""

from __future__ import annotations

import heapq

import numpy as np

from .elimination import _MAX_TENSOR


# Degree-2 folds read k_u * k_v * k_w cells each, and their indices are kept
# (three int32 per cell): above this many cells in all, `compiled` declines
# and the caller eliminates step by step. Building the indices costs about
# as much as 5 to 20 step-by-step decodes: M (9.0 million cells) 0.8 s,
# A (12.4 million) 1.6 s, S (13.5 million) 3.9 s; two copies of M (18.0
# million) took 4.6 to 10 s on a slow machine, where its 60 s limit leaves
# about 10 decodes, so it stays step by step. The replay also only pays
# where the steps are many and small: its runs cost about a pass per cell,
# while a step by step fold of a large tensor is already one array
# operation. A: 530 fold cells per node (a decode 0.2 s instead of 0.9 s);
# 24 GPT-2 blocks: 2,830 per node on 3,241 nodes, recorded in 2.2 s and
# replayed in 0.19 s, against 0.1 to 0.2 s step by step.
MAX_FOLD_CELLS = 15_000_000
MAX_FOLD_CELLS_PER_NODE = 1_000


def compiled(graph, mat_first: np.ndarray) -> "CompiledElimination | None":
    """The recorded elimination of `graph`, built on first use and kept on
    the graph; None where its folds are too large (MAX_FOLD_CELLS)."""
    if graph.compiled_elimination is None:
        steps, regions, greedy_steps = _record(graph, np.asarray(mat_first, dtype=np.int64))
        cells = sum(int(graph.k[st[1]] * graph.k[st[2]] * graph.k[st[3]]) for st in steps if st[0] == "fold2")
        small = cells <= min(MAX_FOLD_CELLS, MAX_FOLD_CELLS_PER_NODE * graph.n)
        graph.compiled_elimination = CompiledElimination(graph, steps, regions, greedy_steps) if small else False
    return graph.compiled_elimination or None


class CompiledElimination:
    """`eliminate` on `graph` (a CoreGraph), recorded; `decode` replays it on
    node costs and edge matrices in MessagePassing's flat layouts (node i's
    costs at graph.offsets[i], edge e's matrix row-major from mat_first[e])."""

    def __init__(self, graph, steps: list, regions: int, greedy_steps: int):
        self.n = graph.n
        self.greedy_steps = greedy_steps
        self.buffer_size = regions + 1  # the last cell holds the 0 a fold without a merge adds
        self.forward, self.backward = _plan(graph, steps, self.buffer_size - 1)
        self._buffer: np.ndarray | None = None

    def decode(self, node_costs: np.ndarray, flat_mats: np.ndarray) -> np.ndarray:
        cost = np.array(node_costs, dtype=np.float64)
        # One buffer for every decode (new memory is slow to touch): the
        # edges' cells are copied in, every new matrix is written before it
        # is read, and the last cell stays 0.
        if self._buffer is None:
            self._buffer = np.zeros(self.buffer_size)
        buffer = self._buffer
        buffer[:len(flat_mats)] = flat_mats
        choice = np.zeros(self.n, dtype=np.int64)
        for level in self.forward:
            level.run(cost, buffer, choice)
        for level in self.backward:
            level.run(cost, buffer, choice)
        return choice


def _record(graph, mat_first: np.ndarray):
    """The steps of `eliminate` on `graph`, in its order, with matrices as
    references (base, stride along the first index, stride along the second)
    into one buffer: edge e's matrix at mat_first[e], new ones after all
    edges'. Returns (steps, buffer cells used, greedy steps)."""
    n, k = graph.n, graph.k
    adj: list[dict[int, tuple]] = [dict() for _ in range(n)]
    for e, (u, v) in enumerate(graph.edge_list):
        base = int(mat_first[e])
        adj[u][v] = (base, int(k[v]), 1)  # M_uv: (k_u, k_v) row-major
        adj[v][u] = (base, 1, int(k[v]))  # M_vu: its transpose
    end = int(mat_first[-1] + k[graph.edge_list[-1][0]] * k[graph.edge_list[-1][1]]) if graph.edge_list else 0
    removed = np.zeros(n, dtype=bool)
    steps: list[tuple] = []
    low = [i for i in range(n) if len(adj[i]) <= 2]
    heap = [(-len(adj[i]), i) for i in range(n)]
    heapq.heapify(heap)
    greedy_steps = 0
    remaining = n

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
            if k[u] * k[v] * k[w] > _MAX_TENSOR:
                v = -1
        if v >= 0:
            neighbours = list(adj[v].items())
            if len(neighbours) == 0:
                steps.append(("fold0", v))
            elif len(neighbours) == 1:
                (u, m_vu), = neighbours
                steps.append(("fold1", v, u, m_vu))
                del adj[u][v]
            else:
                (u, m_vu), (w, m_vw) = neighbours
                old = adj[u].get(w)
                new = (end, int(k[w]), 1)
                end += int(k[u] * k[w])
                steps.append(("fold2", v, u, w, m_vu, m_vw, old, new))
                del adj[u][v]
                del adj[w][v]
                adj[u][w] = new
                adj[w][u] = (new[0], 1, int(k[w]))
            adj[v] = {}
            removed[v] = True
            remaining -= 1
            for u, _ in neighbours:
                touched(u)
            continue
        while True:
            _, v = heapq.heappop(heap)
            if not removed[v]:
                break
        greedy_steps += 1
        neighbours = list(adj[v].items())
        steps.append(("greedy", v, neighbours))
        for u, _ in neighbours:
            del adj[u][v]
            touched(u)
        adj[v] = {}
        removed[v] = True
        remaining -= 1
    return steps, end, greedy_steps


def _plan(graph, steps: list, zero: int):
    """Forward levels (each step after the steps it depends on) and backward
    levels (each folded node after the neighbours it was folded into)."""
    n = graph.n
    wrote = np.full(n, -1, dtype=np.int64)   # last level writing a node's costs
    read = np.full(n, -1, dtype=np.int64)    # last level reading them
    made: dict[int, int] = {}                # level creating a matrix (by base)
    placed: list[tuple[int, tuple]] = []
    for step in steps:
        kind, v = step[0], step[1]
        if kind == "fold0":
            continue
        if kind == "fold1":
            _, _, u, m = step
            level = max(wrote[v] + 1, read[u], made.get(m[0], -1) + 1)
            reads, writes = [v], [u]
        elif kind == "fold2":
            _, _, u, w, m1, m2, old, new = step
            level = max(wrote[v] + 1, made.get(m1[0], -1) + 1, made.get(m2[0], -1) + 1,
                        made.get(old[0], -1) + 1 if old else 0)
            reads, writes = [v], []
        else:
            neighbours = step[2]
            us = [u for u, _ in neighbours]
            level = max([wrote[v] + 1] + [wrote[u] + 1 for u in us] + [read[u] for u in us]
                        + [made.get(m[0], -1) + 1 for _, m in neighbours])
            reads, writes = [v] + us, us
        level = max(int(level), 0)
        for x in reads:
            read[x] = max(read[x], level)
        for x in writes:
            wrote[x] = max(wrote[x], level)
        if kind == "fold2":
            made[step[7][0]] = level
        placed.append((level, step))
    count = 1 + max((level for level, _ in placed), default=-1)
    by_level: list[list[tuple]] = [[] for _ in range(count)]
    for level, step in placed:
        by_level[level].append(step)
    forward = [_Forward(graph, group, zero) for group in by_level]
    # Backward: a folded node after the nodes it was folded into; greedy
    # nodes are decided going forward.
    depth = np.full(n, -1, dtype=np.int64)
    folded: list[tuple[int, tuple]] = []
    for step in reversed(steps):
        kind, v = step[0], step[1]
        if kind == "greedy":
            continue
        parts = [] if kind == "fold0" else [(step[2], step[3])] if kind == "fold1" else [(step[2], step[4]),
                                                                                          (step[3], step[5])]
        depth[v] = 1 + max((depth[u] for u, _ in parts), default=-1)
        folded.append((int(depth[v]), (v, parts)))
    levels: list[list[tuple]] = [[] for _ in range(1 + max((d for d, _ in folded), default=-1))]
    for d, item in folded:
        levels[d].append(item)
    backward = [_Backward(graph, group) for group in levels]
    return forward, backward


def _ranges(first, lengths) -> np.ndarray:
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    ends = np.cumsum(lengths)
    return np.arange(total, dtype=np.int64) + np.repeat(np.asarray(first, dtype=np.int64) - (ends - lengths), lengths)


def _expand(counts: np.ndarray):
    """(owner, within, first): entry r of item i has owner i and within r;
    first[i] is item i's first entry."""
    counts = np.asarray(counts, dtype=np.int64)
    first = np.cumsum(counts) - counts
    owner = np.repeat(np.arange(len(counts)), counts)
    return owner, np.arange(int(counts.sum()), dtype=np.int64) - first[owner], first


def _columns(rows: list, width: int) -> list:
    """Tuples of scalars as one int64 array per position."""
    table = np.array(rows, dtype=np.int64).reshape(-1, width)
    return [table[:, c] for c in range(width)]


class _Forward:
    """One level's steps, grouped by kind into flat index arrays."""

    def __init__(self, graph, steps: list, zero: int):
        k, offsets = graph.k, graph.offsets
        self.f1 = self.f2 = self.g = self.g_add = None
        fold1 = [(v, u) + m for kind, v, u, m in (s[:4] for s in steps if s[0] == "fold1")]
        if fold1:
            # Cells (step, t, s), min over s into c_u[t].
            v, u, base, sv, su = _columns(fold1, 5)
            kv, ku = k[v], k[u]
            owner, within, first = _expand(kv * ku)
            t, s = within // kv[owner], within % kv[owner]
            out_owner, out_t, _ = _expand(ku)
            self.f1 = _index(base[owner] + s * sv[owner] + t * su[owner], offsets[v][owner] + s,
                             first[out_owner] + kv[out_owner] * out_t, offsets[u][out_owner] + out_t)
        fold2 = [(st[1], st[2], st[3]) + st[4] + st[5] + (st[6] if st[6] else (-1, 0, 0)) + (st[7][0],)
                 for st in steps if st[0] == "fold2"]
        if fold2:
            self.f2 = _fold2_indices(_columns(fold2, 13), k, offsets, zero)
        greedy = [st for st in steps if st[0] == "greedy"]
        self.g_nodes = np.array([st[1] for st in greedy], dtype=np.int64)
        kg = k[self.g_nodes]
        self.g_first = np.cumsum(kg) - kg
        self.g_size = int(kg.sum())
        self.g_own = _ranges(offsets[self.g_nodes], kg)
        self.g_owner = np.repeat(np.arange(len(greedy)), kg)
        pairs = [(j, st[1], u) + m for j, st in enumerate(greedy) for u, m in st[2]]
        if pairs:
            # Cells (pair, s, t), min over t, summed over the pairs of a step
            # into its score[s]; then c_u[t] += M_vu[s*, t].
            j, v, u, base, sv, su = _columns(pairs, 6)
            kv, ku = k[v], k[u]
            owner, within, first = _expand(kv * ku)
            s, t = within // ku[owner], within % ku[owner]
            row_owner, row_s, _ = _expand(kv)
            self.g = _index(base[owner] + s * sv[owner] + t * su[owner], offsets[u][owner] + t,
                            first[row_owner] + ku[row_owner] * row_s, self.g_first[j][row_owner] + row_s)
            add_owner, add_t, _ = _expand(ku)
            self.g_add = _index(base[add_owner] + add_t * su[add_owner], sv[add_owner], j[add_owner],
                                offsets[u][add_owner] + add_t)

    def run(self, cost: np.ndarray, buffer: np.ndarray, choice: np.ndarray) -> None:
        # Reads first (the level's snapshot), writes after.
        updates = []
        if self.f1 is not None:
            mat, cst, runs, target = self.f1
            updates.append((target, np.minimum.reduceat(buffer[mat] + cost[cst], runs)))
        made = None
        if self.f2 is not None:
            m1, cs, m2, runs, old, new = self.f2
            made = (new, np.minimum.reduceat(buffer[m1] + cost[cs] + buffer[m2], runs) + buffer[old])
        if len(self.g_nodes):
            score = cost[self.g_own]
            if self.g is not None:
                mat, cst, runs, bins = self.g
                score = score + np.bincount(bins, weights=np.minimum.reduceat(buffer[mat] + cost[cst], runs),
                                            minlength=self.g_size)
            smallest = np.minimum.reduceat(score, self.g_first)
            at_min = np.flatnonzero(score == smallest[self.g_owner])
            owners = self.g_owner[at_min]
            best = at_min[np.r_[True, owners[1:] != owners[:-1]]] - self.g_first
            choice[self.g_nodes] = best
            if self.g_add is not None:
                pre, stride, step, target = self.g_add
                updates.append((target, buffer[pre + best[step] * stride]))
        for target, values in updates:
            np.add.at(cost, target, values)
        if made is not None:
            buffer[made[0]] = made[1]


class _Backward:
    """Folded nodes of one depth: each takes argmin of its cost plus the
    rows of the matrices to the neighbours it was folded into, at their
    choices."""

    def __init__(self, graph, items: list):
        k, offsets = graph.k, graph.offsets
        nodes = np.array([v for v, _ in items], dtype=np.int64)
        ks = k[nodes]
        self.nodes = nodes
        self.first = np.cumsum(ks) - ks
        self.size = int(ks.sum())
        self.own = _ranges(offsets[nodes], ks)
        self.owner = np.repeat(np.arange(len(nodes)), ks)
        self.parts = None
        parts = [(j, v, u) + m for j, (v, vparts) in enumerate(items) for u, m in vparts]
        if parts:
            # M_vu[s, choice_u] for s in k_v, into the item's score[s].
            j, v, u, base, sv, su = _columns(parts, 6)
            owner, s, _ = _expand(k[v])
            self.parts = _index(base[owner] + s * sv[owner], su[owner], u[owner], self.first[j][owner] + s)

    def run(self, cost: np.ndarray, buffer: np.ndarray, choice: np.ndarray) -> None:
        score = cost[self.own]
        if self.parts is not None:
            pre, stride, who, bins = self.parts
            score = score + np.bincount(bins, weights=buffer[pre + choice[who] * stride], minlength=self.size)
        smallest = np.minimum.reduceat(score, self.first)
        at_min = np.flatnonzero(score == smallest[self.owner])
        owners = self.owner[at_min]
        choice[self.nodes] = at_min[np.r_[True, owners[1:] != owners[:-1]]] - self.first


# Steps per chunk while building the degree-2 folds' indices: the
# temporaries of a whole level (18 million cells on two copies of M) took
# seconds to allocate on this machine.
_FOLD2_CHUNK_CELLS = 1 << 20


def _fold2_indices(columns, k, offsets, zero):
    """Cells (step, a, b, s), min over s into the new M_uw[a, b]: the
    gathers of M_uv[a, s], c_v[s] and M_vw[s, b], the runs of k_v cells,
    the old M_uw[a, b] (or the zero cell) and the new matrix's cells."""
    cells = k[columns[0]] * k[columns[1]] * k[columns[2]]
    parts: list[list[np.ndarray]] = [[] for _ in range(6)]
    done_cells = 0
    start = 0
    bounds = np.searchsorted(np.cumsum(cells), np.arange(1, 1 + int(cells.sum()) // _FOLD2_CHUNK_CELLS + 1)
                             * _FOLD2_CHUNK_CELLS, side="right")
    for stop in [int(x) for x in bounds] + [len(cells)]:
        stop = max(stop, start + 1) if start < len(cells) else start
        if stop <= start:
            continue
        v, u, w, b1, s1v, s1u, b2, s2v, s2w, ob, oa, obb, bn = (c[start:stop] for c in columns)
        kv, ku, kw = k[v], k[u], k[w]
        owner, within, first = _expand(kv * ku * kw)
        s, ab = within % kv[owner], within // kv[owner]
        a, b = ab // kw[owner], ab % kw[owner]
        out_owner, out, _ = _expand(ku * kw)
        a_out, b_out = out // kw[out_owner], out % kw[out_owner]
        old = np.where(ob[out_owner] >= 0, ob[out_owner] + a_out * oa[out_owner] + b_out * obb[out_owner], zero)
        chunk = _index(b1[owner] + s * s1v[owner] + a * s1u[owner], offsets[v][owner] + s,
                       b2[owner] + s * s2v[owner] + b * s2w[owner],
                       done_cells + first[out_owner] + kv[out_owner] * out, old, bn[out_owner] + out)
        for part, column in zip(parts, chunk):
            part.append(column)
        done_cells += int((kv * ku * kw).sum())
        start = stop
    return tuple(np.concatenate(part) for part in parts)


def _index(*columns):
    """Index arrays, as int32 where every entry fits (half the memory)."""
    small = all(len(c) == 0 or (int(c.max()) < 2**31 and int(c.min()) >= 0) for c in columns)
    return tuple(c.astype(np.int32 if small else np.int64) for c in columns)
