"""Exact reductions: from a Problem to a smaller core problem, and back.

Every reduction keeps at least one optimal assignment (of the memory-limited
problem) reachable:

- forbidden strategies: a strategy whose node cost is forbidden, or whose row
  in some edge matrix is forbidden against every strategy left at the other
  end, is removed (to a fixpoint, like arc consistency);
- parallel edges are summed into one matrix, self loops go into node costs;
- edge matrices are reparametrised: row minima move into the first node's
  costs and column minima into the second's, and an edge left all zero is
  dropped (it was separable);
- dominated strategies: strategy a of node v goes if another strategy b costs
  no more, uses no more memory, and no more on every incident edge row;
- nodes left with one strategy are fixed; their edges become node costs;
- memory only matters at the time points where the live set peaks (a start
  followed by an end), and only at those that can exceed the limit at all; a
  node whose usage cannot matter there (all usages equal, or not live at any
  such point) is memory-free, and a memory-free node of degree 0, 1 or 2 is
  folded into its neighbours by a min-plus product (PBQP), its choice
  recovered afterwards from theirs.

Costs stay exact integers; forbidden entries are clipped to FORBIDDEN_COST so
that sums cannot overflow.

The steps that touch every node or edge (the forbidden-strategy check, the
reparametrisation, dominance, the memory time points) are computed on all
edge matrices side by side (`_Side`) and replayed in the node order of the
node-by-node procedure they replaced, so the core is the same, node for
node and entry for entry (test_solver_reduce_flat.py keeps that procedure
and compares): node costs are non-negative (Problem checks), so adding
them up clipped at FORBIDDEN_COST gives the same sums in any order, and
where one node's step depends on an earlier node's (a strategy removed
changes its neighbours' matrices), the neighbours are redone one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .problem import FORBIDDEN_COST, Problem, cycle_collector_paused

F = FORBIDDEN_COST
# Degree-2 folds build a k_u x k_v x k_w tensor; beyond this it is not worth it.
_MAX_FOLD_TENSOR = 4_000_000
# Dominance is checked pairwise between strategies; cap the work per node.
_MAX_DOMINANCE_STRATEGIES = 160


@dataclass
class Core:
    """The reduced problem the search works on (mutable, internal).

    Node i of the core is node orig[i] of the problem restricted to the
    strategies alive[i] (original indices). Its memory use is usage[i][s]
    above a baseline, over the kept time points lo[i]..hi[i]-1."""

    costs: list  # per core node, int64 array
    usage: list  # per core node, int64 array (usage above the node's minimum)
    lo: np.ndarray
    hi: np.ndarray
    eu: np.ndarray
    ev: np.ndarray
    mats: list  # per core edge, int64 (k_u, k_v) matrix
    baseline: np.ndarray  # per kept time point, fixed usage
    limit: int | None
    offset: int  # constant cost
    orig: np.ndarray
    alive: list


@dataclass
class Reduction:
    core: Core
    fixed: dict  # original node -> original strategy
    folds: list  # fold records, replayed in reverse to recover folded nodes
    problem: Problem

    def expand(self, core_assignment) -> tuple:
        """The full assignment (original strategy per original node)."""
        choice = np.full(self.problem.num_nodes, -1, dtype=np.int64)
        for v, s in self.fixed.items():
            choice[v] = s
        core = self.core
        for i, s in enumerate(core_assignment):
            choice[core.orig[i]] = core.alive[i][s]
        for record in reversed(self.folds):
            v, alive_v, cost_v, parts = record
            total = cost_v.astype(np.float64).copy()
            for u, alive_u, matrix in parts:
                row = int(np.searchsorted(alive_u, choice[u]))
                total += matrix[row].astype(np.float64)
            choice[v] = alive_v[int(np.argmin(total))]
        assert (choice >= 0).all()
        return tuple(int(s) for s in choice)


def _concatenate(arrays) -> np.ndarray:
    return np.concatenate(arrays).astype(np.int64, copy=False) if len(arrays) else np.zeros(0, np.int64)


def _split(flat: np.ndarray, counts) -> list:
    """`flat` cut into consecutive pieces of `counts` entries."""
    ends = np.cumsum(counts).tolist()
    return [flat[start:end] for start, end in zip([0] + ends[:-1], ends)]


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, .., counts[0]-1, 0, 1, .., counts[1]-1, ..."""
    counts = np.asarray(counts, dtype=np.int64)
    return np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)


# np.add.at on at most this many non-negative terms below F at once cannot
# overflow int64 (4096 * 1e15 + 1e15 < 9.2e18).
_ADD_CHUNK = 4096


def _add_clipped(target: np.ndarray, positions: np.ndarray, values: np.ndarray) -> None:
    """target[p] = min(target[p] + the values at p, F), in place: what adding
    them one by one, clipping after each, gives, because they are >= 0."""
    for first in range(0, len(positions), _ADD_CHUNK):
        np.add.at(target, positions[first:first + _ADD_CHUNK], values[first:first + _ADD_CHUNK])
        np.minimum(target, F, out=target)


def _by_shape(matrices: list):
    """The matrices grouped by shape: (indices into `matrices`, the group
    stacked into one (count, rows, cols) array) per shape, in order of first
    appearance."""
    groups: dict = {}
    for e, matrix in enumerate(matrices):
        groups.setdefault(matrix.shape, []).append(e)
    for members in groups.values():
        yield np.array(members, dtype=np.int64), np.array([matrices[e] for e in members], dtype=np.int64)


def _edge_pairs(g: "_Graph") -> list:
    """Every edge once, as (u, v) with u < v."""
    return [(u, v) for u in range(len(g.adj)) for v in g.adj[u] if v > u]



class _Graph:
    """Mutable node/edge state during reduction."""

    def __init__(self, problem: Problem):
        n = problem.num_nodes
        self.problem = problem
        k = problem.num_strategies
        self.alive = _split(_ranks(k), k)
        self.cost = _split(np.minimum(problem.flat_costs, F), k)
        self.usage = _split(problem.flat_usages.copy(), k)
        self.adj: list[dict] = [dict() for _ in range(n)]  # adj[u][v] = (k_u, k_v) matrix
        self.removed = np.zeros(n, dtype=bool)
        self.fixed: dict = {}
        self.folds: list = []
        self.offset = 0
        self.memory_free = np.zeros(n, dtype=bool)
        flat = np.minimum(problem.flat_edge_costs, F)
        ku, kv = k[problem.edges[:, 0]].tolist(), k[problem.edges[:, 1]].tolist()
        start = 0
        for (u, v), rows, cols in zip(problem.edges.tolist(), ku, kv):
            matrix = flat[start:start + rows * cols].reshape(rows, cols)
            start += rows * cols
            if u == v:
                self.cost[u] = np.minimum(self.cost[u] + np.diagonal(matrix), F)
            else:
                self.add_edge(u, v, matrix)

    def first_strategy(self) -> np.ndarray:
        """Per node, where its strategies start in `np.concatenate(self.cost)`."""
        k = np.fromiter(map(len, self.alive), dtype=np.int64, count=len(self.alive))
        return np.cumsum(k) - k

    def add_edge(self, u, v, matrix):
        if v in self.adj[u]:
            matrix = np.minimum(self.adj[u][v] + matrix, F)
        self.adj[u][v] = matrix
        self.adj[v][u] = matrix.T

    def drop_edge(self, u, v):
        del self.adj[u][v]
        del self.adj[v][u]

    def keep_strategies(self, v, keep: np.ndarray) -> None:
        """Restrict node v to the strategies where keep is True."""
        self.alive[v] = self.alive[v][keep]
        self.cost[v] = self.cost[v][keep]
        self.usage[v] = self.usage[v][keep]
        for u, matrix in list(self.adj[v].items()):
            self.adj[v][u] = matrix[keep]
            self.adj[u][v] = self.adj[v][u].T


# Out of time, the reductions stop between two nodes: every step is exact
# on its own, so a partly reduced graph is still a valid (bigger) core.
_STOP_CHECK_EVERY = 1024


def _never() -> bool:
    return False


def _checked(items, should_stop):
    """`items`, ending early once should_stop() (asked every few items)."""
    for count, item in enumerate(items):
        if count % _STOP_CHECK_EVERY == 0 and should_stop():
            return
        yield item


def _prune_forbidden(g: _Graph, should_stop=_never) -> None:
    """Remove forbidden strategies to a fixpoint (arc consistency).

    The fixpoint is the same whatever the order in which nodes are
    checked, unless some node loses every strategy on the way; then the
    problem has no allowed assignment and the order of the node-by-node
    procedure decides what is left, so that procedure runs."""
    domains = _arc_consistent_domains(g, np.flatnonzero(~g.removed).tolist(), should_stop)
    if domains is None:
        _prune_node_by_node(g, should_stop)
        return
    first = g.first_strategy().tolist()
    for v in np.flatnonzero(~np.logical_and.reduceat(domains, first) if len(domains) else []).tolist():
        g.keep_strategies(v, domains[first[v]:first[v] + len(g.alive[v])])


def _arc_consistent_domains(g: _Graph, check: list, should_stop=_never):
    """Per strategy (laid out as `np.concatenate(g.cost)`): whether it is in
    the largest arc-consistent domains, or None if a node has none left.

    In rounds: every node checked at once against its neighbours' domains
    of the round before, then the neighbours of the nodes that lost
    strategies. A strategy goes only when forbidden against everything
    left, so none of the largest arc-consistent domains is ever lost."""
    n = len(g.alive)
    k = np.fromiter(map(len, g.alive), dtype=np.int64, count=n)
    first = np.cumsum(k) - k
    owner = np.repeat(np.arange(n), k)
    checked = np.zeros(n, dtype=bool)
    checked[check] = True
    # Out go first the checked nodes' strategies that their own cost forbids.
    domains = ~checked[owner] | (_concatenate(g.cost) < F)
    shrunk = np.unique(owner[~domains])
    while True:
        if len(shrunk) and not np.logical_or.reduceat(domains, first)[shrunk].all():
            return None
        if not check or should_stop():
            break
        checked[:] = False
        checked[check] = True
        # Each edge at a checked node once, both of its ends checked.
        ends = [(v, u) for v in check for u in g.adj[v] if u > v or not checked[u]]
        pairs = np.array(ends, dtype=np.int64).reshape(-1, 2)
        lost = [np.zeros(0, np.int64)]
        for members, matrices in _by_shape([g.adj[v][u] for v, u in ends]):
            rows, cols = matrices.shape[1:]
            allowed = matrices < F
            row_domain = domains[first[pairs[members, 0]][:, None] + np.arange(rows)]
            col_domain = domains[first[pairs[members, 1]][:, None] + np.arange(cols)]
            for side, supported in ((0, (allowed & col_domain[:, None, :]).any(axis=2)),
                                    (1, (allowed & row_domain[:, :, None]).any(axis=1))):
                end, strategy = np.nonzero(~supported)
                lost.append(first[pairs[members[end], side]] + strategy)
        positions = np.concatenate(lost)
        positions = positions[domains[positions]]
        domains[positions] = False
        shrunk = np.unique(owner[positions])
        check = sorted({u for v in shrunk.tolist() for u in g.adj[v]})
    return domains


def _prune_node_by_node(g: _Graph, should_stop=_never) -> None:
    """Remove forbidden strategies to a fixpoint, node by node from a stack
    holding every node (the last on top), each node whose strategies
    shrink pushing its neighbours."""
    queue = [v for v in range(len(g.alive)) if not g.removed[v]]
    queued = set(queue)
    pops = 0
    while queue:
        pops += 1
        if pops % _STOP_CHECK_EVERY == 0 and should_stop():
            return
        v = queue.pop()
        queued.discard(v)
        ok = g.cost[v] < F
        for matrix in g.adj[v].values():
            ok &= (matrix < F).any(axis=1)
        if ok.all():
            continue
        if not ok.any():
            # Every choice is forbidden: the problem has no allowed assignment;
            # leave the node alone rather than guess which choice is least bad.
            continue
        g.keep_strategies(v, ok)
        for u in g.adj[v]:
            if u not in queued:
                queue.append(u)
                queued.add(u)


def _reparametrise(g: _Graph, dirty: list) -> None:
    """Move row/column minima of every edge at a dirty node into node costs;
    drop the edges left all zero.

    Done node by node in `dirty` order, an edge would be reparametrised
    from its first dirty end (the rows' node) and found already
    reparametrised from the other (every row and column minimum 0): all
    edges are done at once with that orientation."""
    is_dirty = np.zeros(len(g.alive), dtype=bool)
    is_dirty[dirty] = True
    pairs = [(u, v) for u in dirty if not g.removed[u] for v in g.adj[u] if not (is_dirty[v] and v < u)]
    if not pairs:
        return
    ends = np.array(pairs, dtype=np.int64)
    first = g.first_strategy()
    costs = _concatenate(g.cost)
    reduced: list = [None] * len(pairs)
    for members, matrix in _by_shape([g.adj[u][v] for u, v in pairs]):
        forbidden = matrix >= F
        rows = np.where(forbidden, F, matrix).min(axis=2)
        rows = np.where(rows >= F, 0, rows)
        work = matrix - rows[:, :, None]
        cols = np.where(forbidden, F, work).min(axis=1)
        cols = np.where(cols >= F, 0, cols)
        work = np.where(forbidden, F, work - cols[:, None, :])
        k_u, k_v = matrix.shape[1:]
        positions = np.concatenate([(first[ends[members, 0]][:, None] + np.arange(k_u)).ravel(),
                                    (first[ends[members, 1]][:, None] + np.arange(k_v)).ravel()])
        _add_clipped(costs, positions, np.concatenate([rows.ravel(), cols.ravel()]))
        nonzero = np.asarray(work.any(axis=(1, 2))).tolist()
        for e, keep, one in zip(members.tolist(), nonzero, work):
            reduced[e] = one if keep else None
    g.cost = _split(costs, np.diff(np.append(first, len(costs))))
    for (u, v), matrix in zip(pairs, reduced):
        if matrix is not None:
            g.adj[u][v] = matrix
            g.adj[v][u] = matrix.T
        else:
            g.drop_edge(u, v)


def _remove_dominated(g: _Graph, v) -> bool:
    """Drop strategies of v dominated by another (cost, usage, every edge row)."""
    k = len(g.alive[v])
    if k < 2 or k > _MAX_DOMINANCE_STRATEGIES:
        return False
    usage = g.usage[v] if not g.memory_free[v] else np.zeros(k, np.int64)
    parts = [g.cost[v][:, None], usage[:, None]] + list(g.adj[v].values())
    features = np.concatenate(parts, axis=1)
    # le[a, b]: a is no worse than b everywhere. "a beats b" when a is no
    # worse and either strictly better somewhere or an equal with a lower
    # index; that is a strict order, so every beaten strategy is beaten by
    # an unbeaten one and all beaten ones can go at once.
    le = (features[:, None, :] <= features[None, :, :]).all(axis=2)
    index = np.arange(k)
    beats = le & (~le.T | (index[:, None] < index[None, :]))
    np.fill_diagonal(beats, False)
    dominated = beats.any(axis=0)
    if not dominated.any():
        return False
    g.keep_strategies(v, ~dominated)
    return True


def _remove_all_dominated(g: _Graph, dirty: list, should_stop=_never) -> set:
    """`_remove_dominated` on every dirty node in `dirty` order; returns the
    nodes that lost strategies. Every node's dominated strategies are found
    at once beforehand; a node one of whose neighbours lost strategies
    before its turn is redone (its matrices lost columns since)."""
    candidates = [v for v in dirty if not g.removed[v] and 2 <= len(g.alive[v]) <= _MAX_DOMINANCE_STRATEGIES]
    dominated = _dominated(g, candidates)
    changed = np.zeros(len(g.alive), dtype=bool)
    touched = set()
    for v in _checked(dirty, should_stop):
        if g.removed[v] or v not in dominated:
            continue
        if any(changed[u] for u in g.adj[v]):
            shrunk = _remove_dominated(g, v)
        else:
            shrunk = bool(dominated[v].any())
            if shrunk:
                g.keep_strategies(v, ~dominated[v])
        if shrunk:
            changed[v] = True
            touched.add(v)
    return touched


def _dominated(g: _Graph, nodes: list) -> dict:
    """Node -> mask of the strategies `_remove_dominated` would drop now,
    for every node in `nodes` (2 to _MAX_DOMINANCE_STRATEGIES strategies,
    ascending).

    The pairs (a, b) of strategies of a node with a no worse than b in cost
    and usage are kept while a stays no worse than b in every row of the
    node's incident edge matrices, taken in turn: the first one of every
    node at once, then the second, and so on."""
    k = np.array([len(g.alive[v]) for v in nodes], dtype=np.int64)
    node, a, b = [], [], []
    for size in np.unique(k).tolist():
        members = np.flatnonzero(k == size)
        cost = np.array([g.cost[nodes[i]] for i in members.tolist()], dtype=np.int64)
        usage = np.array([g.usage[nodes[i]] if not g.memory_free[nodes[i]] else np.zeros(size, np.int64)
                          for i in members.tolist()], dtype=np.int64)
        no_worse = (cost[:, :, None] <= cost[:, None, :]) & (usage[:, :, None] <= usage[:, None, :])
        no_worse[:, np.arange(size), np.arange(size)] = False
        where = np.nonzero(no_worse)
        node.append(members[where[0]])
        a.append(where[1])
        b.append(where[2])
    node_of, a_of, b_of = (np.concatenate(x) if x else np.zeros(0, np.int64) for x in (node, a, b))
    ends = [list(g.adj[v].values()) for v in nodes]
    degree = np.array([len(e) for e in ends], dtype=np.int64)
    by_degree = np.argsort(-degree, kind="stable")
    descending = -degree[by_degree]
    cols = np.zeros(len(nodes), dtype=np.int64)
    start = np.zeros(len(nodes), dtype=np.int64)
    base = np.zeros(len(nodes), dtype=np.int64)
    done = []  # pairs of nodes whose every matrix has been compared
    for turn in range(int(degree.max()) if len(nodes) else 0):
        finished = degree[node_of] <= turn
        done.append((node_of[finished], a_of[finished], b_of[finished]))
        node_of, a_of, b_of = node_of[~finished], a_of[~finished], b_of[~finished]
        if not len(node_of):
            break
        # Turn t: the t-th matrix of every node with pairs left, side by side.
        has_pairs = np.zeros(len(nodes), dtype=bool)
        has_pairs[node_of] = True
        with_turn = by_degree[:np.searchsorted(descending, -turn, side="left")]
        with_turn = with_turn[has_pairs[with_turn]]
        matrices = [ends[i][turn] for i in with_turn.tolist()]
        cols[with_turn] = [m.shape[1] for m in matrices]
        sizes = k[with_turn] * cols[with_turn]
        start[with_turn] = np.cumsum(sizes) - sizes
        flat = _concatenate([m.ravel() for m in matrices])
        # No worse in every cell implies no worse in the row sums, plain and
        # weighted by column (float64 sums of non-negative multiples are
        # monotone too): a cheap first sieve, also for rows that are
        # permutations of each other.
        row_first = np.cumsum(k[with_turn]) - k[with_turn]
        base[with_turn] = row_first
        rows_start = (np.repeat(start[with_turn], k[with_turn])
                      + _ranks(k[with_turn]) * np.repeat(cols[with_turn], k[with_turn]))
        values = flat.astype(np.float64)
        column = _ranks(np.repeat(cols[with_turn], k[with_turn]))
        a_row, b_row = base[node_of] + a_of, base[node_of] + b_of
        plausible = np.ones(len(node_of), dtype=bool)
        for weighted in (values, values * (column + 1)):
            sums = np.add.reduceat(weighted, rows_start)
            plausible &= sums[a_row] <= sums[b_row]
        node_of, a_of, b_of = node_of[plausible], a_of[plausible], b_of[plausible]
        width = cols[node_of]
        worse = np.zeros(len(node_of), dtype=bool)
        for w in np.unique(width).tolist():
            same = np.flatnonzero(width == w)
            row_a = (start[node_of[same]] + a_of[same] * w)[:, None] + np.arange(w)
            row_b = (start[node_of[same]] + b_of[same] * w)[:, None] + np.arange(w)
            worse[same] = (flat[row_a] > flat[row_b]).any(axis=1)
        node_of, a_of, b_of = node_of[~worse], a_of[~worse], b_of[~worse]
    done.append((node_of, a_of, b_of))
    node_of, a_of, b_of = (np.concatenate(x) for x in zip(*done))
    # As in `_remove_dominated`: a beats b when no worse and either strictly
    # better somewhere (b not no worse than a) or equal with a lower index.
    square = np.cumsum(k * k) - k * k
    key = square[node_of] + a_of * k[node_of] + b_of
    mirror = square[node_of] + b_of * k[node_of] + a_of
    beats = ~np.isin(mirror, key) | (a_of < b_of)
    first = np.cumsum(k) - k
    dominated = np.zeros(int(k.sum()), dtype=bool)
    dominated[first[node_of[beats]] + b_of[beats]] = True
    return {v: dominated[first[i]:first[i] + k[i]] for i, v in enumerate(nodes)}


def _fix_single(g: _Graph, v) -> None:
    """Node v has one strategy: fix it and turn its edges into node costs."""
    for u, matrix in list(g.adj[v].items()):
        g.cost[u] = np.minimum(g.cost[u] + matrix[0], F)
        g.drop_edge(v, u)
    g.offset += int(g.cost[v][0])
    g.fixed[v] = int(g.alive[v][0])
    g.removed[v] = True


def _fold(g: _Graph, v) -> bool:
    """Fold a memory-free node of degree <= 2 into its neighbours."""
    neighbours = list(g.adj[v])
    cost_v = g.cost[v]
    if len(neighbours) == 2:
        u, w = neighbours
        if len(g.alive[u]) * len(cost_v) * len(g.alive[w]) > _MAX_FOLD_TENSOR:
            return False
    parts = [(u, g.alive[u].copy(), g.adj[u][v].copy()) for u in neighbours]
    g.folds.append((v, g.alive[v].copy(), cost_v.copy(), parts))
    if len(neighbours) == 0:
        g.offset += int(cost_v.min())
    elif len(neighbours) == 1:
        (u,) = neighbours
        g.cost[u] = np.minimum(g.cost[u] + (g.adj[u][v] + cost_v[None, :]).min(axis=1), F)
        g.drop_edge(u, v)
    else:
        u, w = neighbours
        tensor = g.adj[u][v][:, :, None] + cost_v[None, :, None] + g.adj[v][w][None, :, :]
        through = np.minimum(tensor.min(axis=1), F)
        g.drop_edge(u, v)
        g.drop_edge(v, w)
        g.add_edge(u, w, through)
    g.removed[v] = True
    return True


def _kept_time_points(problem: Problem, g: _Graph, limit: int):
    """Time points where the live set peaks and the limit can be exceeded,
    with the usage there of everything outside the core (the baseline)."""
    iv = problem.intervals
    live = iv[:, 0] < iv[:, 1]
    starts = np.unique(iv[live, 0])
    ends = np.unique(iv[live, 1])
    if len(starts) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # A start is a peak if an end comes before (or at) the next start.
    next_start = np.append(starts[1:], np.iinfo(np.int64).max)
    first_end_after = ends[np.minimum(np.searchsorted(ends, starts, side="right"), len(ends) - 1)]
    times = starts[(first_end_after <= next_start) | (next_start == np.iinfo(np.int64).max)]
    base = np.zeros(len(times) + 1, dtype=np.int64)
    top = np.zeros(len(times) + 1, dtype=np.int64)
    lo = np.searchsorted(times, iv[:, 0], side="left")
    hi = np.searchsorted(times, iv[:, 1], side="left")
    # A fixed node's one usage left is its fixed strategy's; a core or
    # folded node (then memory-free: constant or never at a peak) counts its
    # least usage in the baseline and its largest in the top.
    low, high = _usage_range(g)
    live = lo < hi
    for bound, values in ((base, low), (top, high)):
        np.add.at(bound, lo[live], values[live])
        np.add.at(bound, hi[live], -values[live])
    base = np.cumsum(base)[:-1]
    top = np.cumsum(top)[:-1]
    binding = top > limit
    return times[binding], base[binding]


def reduce(problem: Problem, should_stop=_never) -> Reduction:
    """The reduced core of `problem`; reduces less once should_stop() says
    time is up (the core is then bigger, never wrong)."""
    with cycle_collector_paused():
        return _reduce(problem, should_stop)


def _reduce(problem: Problem, should_stop) -> Reduction:
    g = _Graph(problem)
    n = problem.num_nodes
    _prune_forbidden(g, should_stop)
    if problem.usage_limit is None:
        g.memory_free[:] = True
    dirty = set(range(n))
    for _ in range(4):
        if should_stop():
            break
        order = sorted(dirty)
        _reparametrise(g, order)
        touched = _remove_all_dominated(g, order, should_stop)
        for v in _checked(range(n), should_stop):
            if not g.removed[v] and len(g.alive[v]) == 1:
                touched.update(g.adj[v])
                _fix_single(g, v)
        if should_stop():
            break
        if problem.usage_limit is not None:
            _mark_memory_free(problem, g, touched)
        touched |= _fold_all(g, should_stop)
        _prune_forbidden(g, should_stop)
        dirty = {v for v in touched if not g.removed[v]}
        if not dirty:
            break
    return _make_core(problem, g)


def _mark_memory_free(problem: Problem, g: _Graph, touched: set) -> None:
    """Mark nodes whose choice cannot change the usage at any binding time."""
    assert problem.usage_limit is not None  # only called with a usage limit
    times, _ = _kept_time_points(problem, g, problem.usage_limit)
    iv = problem.intervals
    lo = np.searchsorted(times, iv[:, 0], side="left")
    hi = np.searchsorted(times, iv[:, 1], side="left")
    low, high = _usage_range(g)
    free = ~g.removed & ~g.memory_free & ((lo >= hi) | (low == high))
    g.memory_free |= free
    touched.update(np.flatnonzero(free).tolist())


def _usage_range(g: _Graph) -> tuple[np.ndarray, np.ndarray]:
    """Per node, the least and the largest usage of its strategies left."""
    first = g.first_strategy()
    usage = _concatenate(g.usage)
    if not len(usage):
        return usage, usage
    return np.minimum.reduceat(usage, first), np.maximum.reduceat(usage, first)


def _fold_all(g: _Graph, should_stop=_never) -> set:
    """Fold memory-free nodes of degree <= 2 until none is left; returns the
    nodes whose costs or edges changed."""
    candidates = [v for v in range(len(g.alive)) if not g.removed[v] and g.memory_free[v] and len(g.adj[v]) <= 2]
    touched = set()
    pops = 0
    while candidates:
        pops += 1
        if pops % _STOP_CHECK_EVERY == 0 and should_stop():
            break
        v = candidates.pop()
        if g.removed[v] or len(g.adj[v]) > 2:
            continue
        neighbours = list(g.adj[v])
        if _fold(g, v):
            touched.update(neighbours)
            for u in neighbours:
                if not g.removed[u] and g.memory_free[u] and len(g.adj[u]) <= 2:
                    candidates.append(u)
    return touched


def _make_core(problem: Problem, g: _Graph) -> Reduction:
    n = problem.num_nodes
    nodes = np.flatnonzero(~g.removed[:n]).tolist()
    index = {v: i for i, v in enumerate(nodes)}
    limit = problem.usage_limit
    if limit is not None:
        times, baseline = _kept_time_points(problem, g, limit)
    else:
        times, baseline = np.zeros(0, np.int64), np.zeros(0, np.int64)
    iv = problem.intervals
    lo = np.searchsorted(times, iv[nodes, 0], side="left") if nodes else np.zeros(0, np.int64)
    hi = np.searchsorted(times, iv[nodes, 1], side="left") if nodes else np.zeros(0, np.int64)
    k = np.fromiter((len(g.usage[v]) for v in nodes), dtype=np.int64, count=len(nodes))
    flat = _concatenate([g.usage[v] for v in nodes])
    if limit is None or not len(flat):
        flat = np.zeros_like(flat)
    else:  # usage above the node's least
        flat = flat - np.repeat(np.minimum.reduceat(flat, np.cumsum(k) - k), k)
    usage = _split(flat, k)
    eu, ev, mats = [], [], []
    for u in nodes:
        for v, matrix in g.adj[u].items():
            if v > u:
                eu.append(index[u])
                ev.append(index[v])
                mats.append(np.ascontiguousarray(matrix))
    core = Core(
        costs=[g.cost[v] for v in nodes],
        usage=usage,
        lo=np.asarray(lo, np.int64),
        hi=np.asarray(hi, np.int64),
        eu=np.array(eu, np.int64),
        ev=np.array(ev, np.int64),
        mats=mats,
        baseline=baseline,
        limit=limit,
        offset=g.offset,
        orig=np.array(nodes, np.int64),
        alive=[g.alive[v] for v in nodes],
    )
    return Reduction(core=core, fixed=g.fixed, folds=g.folds, problem=problem)
