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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .problem import FORBIDDEN_COST, Problem

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


class _Graph:
    """Mutable node/edge state during reduction."""

    def __init__(self, problem: Problem):
        n = problem.num_nodes
        self.problem = problem
        self.alive = [np.arange(k, dtype=np.int64) for k in problem.num_strategies.tolist()]
        self.cost = [np.minimum(c, F) for c in problem.costs]
        self.usage = [u.copy() for u in problem.usages]
        self.adj: list[dict] = [dict() for _ in range(n)]  # adj[u][v] = (k_u, k_v) matrix
        self.removed = np.zeros(n, dtype=bool)
        self.fixed: dict = {}
        self.folds: list = []
        self.offset = 0
        self.memory_free = np.zeros(n, dtype=bool)
        k = problem.num_strategies
        for (u, v), flat in zip(problem.edges.tolist(), problem.edge_costs):
            matrix = np.minimum(flat, F).reshape(k[u], k[v])
            if u == v:
                self.cost[u] = np.minimum(self.cost[u] + np.diagonal(matrix), F)
            else:
                self.add_edge(u, v, matrix)

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
    """Remove forbidden strategies to a fixpoint (arc consistency)."""
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


def _reparametrise_edge(g: _Graph, u, v) -> None:
    """Move row/column minima of edge (u, v) into node costs; drop it if empty."""
    matrix = g.adj[u][v]
    forbidden = matrix >= F
    rows = np.where(forbidden, F, matrix).min(axis=1)
    rows = np.where(rows >= F, 0, rows)
    work = matrix - rows[:, None]
    cols = np.where(forbidden, F, work).min(axis=0)
    cols = np.where(cols >= F, 0, cols)
    work = np.where(forbidden, F, work - cols[None, :])
    g.cost[u] = np.minimum(g.cost[u] + rows, F)
    g.cost[v] = np.minimum(g.cost[v] + cols, F)
    if not work.any():
        g.drop_edge(u, v)
    else:
        g.adj[u][v] = work
        g.adj[v][u] = work.T


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
    for v in range(problem.num_nodes):
        if lo[v] >= hi[v]:
            continue
        if v in g.fixed:
            low = high = int(problem.usages[v][g.fixed[v]])
        else:  # in the core, or folded (then memory-free: constant or never at a peak)
            low, high = int(g.usage[v].min()), int(g.usage[v].max())
        base[lo[v]] += low
        base[hi[v]] -= low
        top[lo[v]] += high
        top[hi[v]] -= high
    base = np.cumsum(base)[:-1]
    top = np.cumsum(top)[:-1]
    binding = top > limit
    return times[binding], base[binding]


def reduce(problem: Problem, should_stop=_never) -> Reduction:
    """The reduced core of `problem`; reduces less once should_stop() says
    time is up (the core is then bigger, never wrong)."""
    g = _Graph(problem)
    n = problem.num_nodes
    _prune_forbidden(g, should_stop)
    if problem.usage_limit is None:
        g.memory_free[:] = True
    dirty = set(range(n))
    for _ in range(4):
        if should_stop():
            break
        for u in _checked(sorted(dirty), should_stop):
            if not g.removed[u]:
                for v in list(g.adj[u]):
                    _reparametrise_edge(g, u, v)
        touched = set()
        for v in _checked(sorted(dirty), should_stop):
            if not g.removed[v] and _remove_dominated(g, v):
                touched.add(v)
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
    for v in np.flatnonzero(~g.removed & ~g.memory_free).tolist():
        if lo[v] >= hi[v] or g.usage[v].min() == g.usage[v].max():
            g.memory_free[v] = True
            touched.add(v)


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
    nodes = [v for v in range(n) if not g.removed[v]]
    index = {v: i for i, v in enumerate(nodes)}
    limit = problem.usage_limit
    if limit is not None:
        times, baseline = _kept_time_points(problem, g, limit)
    else:
        times, baseline = np.zeros(0, np.int64), np.zeros(0, np.int64)
    iv = problem.intervals
    lo = np.searchsorted(times, iv[nodes, 0], side="left") if nodes else np.zeros(0, np.int64)
    hi = np.searchsorted(times, iv[nodes, 1], side="left") if nodes else np.zeros(0, np.int64)
    usage = []
    for v in nodes:
        extra = g.usage[v] - g.usage[v].min()
        usage.append(extra if limit is not None else np.zeros_like(extra))
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
