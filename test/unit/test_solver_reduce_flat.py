"""The exact reductions on flat arrays (solver/reduce.py) against the
node-by-node procedure they replaced, kept here as the reference: the same
core (nodes, strategies, cost vectors, usages, time points, edge order and
matrices, offset), the same fixed nodes and folds, the same expansion, on
random problems made to exercise every reduction (forbidden entries and
nodes with no allowed strategy, parallel edges and self loops, chains,
stars and degree-2 nodes to fold, equal and dominated strategies, all-zero
edges, usage limits that bind or not) and on instance G."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

from autoshard.solver import Problem, ProblemError, read_problem
from autoshard.solver.problem import FORBIDDEN_COST
from autoshard.solver.reduce import Core, Reduction, reduce

F = FORBIDDEN_COST
_MAX_FOLD_TENSOR = 4_000_000
_MAX_DOMINANCE_STRATEGIES = 160
_STOP_CHECK_EVERY = 1024

# ---- the reference: solver/reduce.py as it was, node by node ----------------

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


def reference_reduce(problem: Problem, should_stop=_never) -> Reduction:
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


# ---- the comparison ---------------------------------------------------------


def _same_array(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype and (a == b).all(), f"{what}: {a!r} != {b!r}"


def assert_same_reduction(got: Reduction, want: Reduction, rng: random.Random) -> None:
    g, w = got.core, want.core
    _same_array(g.orig, w.orig, "core nodes")
    assert len(g.costs) == len(w.costs)
    for i in range(len(w.costs)):
        _same_array(g.alive[i], w.alive[i], f"strategies of core node {i}")
        _same_array(g.costs[i], w.costs[i], f"costs of core node {i}")
        _same_array(g.usage[i], w.usage[i], f"usages of core node {i}")
    for name in ("lo", "hi", "eu", "ev", "baseline"):
        _same_array(getattr(g, name), getattr(w, name), name)
    assert len(g.mats) == len(w.mats)
    for e in range(len(w.mats)):
        _same_array(g.mats[e], w.mats[e], f"matrix of core edge {e}")
    assert (g.limit, g.offset) == (w.limit, w.offset)
    assert got.fixed == want.fixed
    assert [r[0] for r in got.folds] == [r[0] for r in want.folds], "folded nodes or their order"
    for got_fold, want_fold in zip(got.folds, want.folds):
        _same_array(got_fold[1], want_fold[1], "folded strategies")
        _same_array(got_fold[2], want_fold[2], "folded costs")
        assert [u for u, _, _ in got_fold[3]] == [u for u, _, _ in want_fold[3]]
        for (_, alive_g, m_g), (_, alive_w, m_w) in zip(got_fold[3], want_fold[3]):
            _same_array(alive_g, alive_w, "fold neighbour strategies")
            _same_array(m_g, m_w, "fold matrix")
    choices = [[0] * len(w.costs), [len(c) - 1 for c in w.costs]]
    choices += [[rng.randrange(len(c)) for c in w.costs] for _ in range(4)]
    for choice in choices:
        assert got.expand(choice) == want.expand(choice)


# ---- random problems ----------------------------------------------------------


def _random_problem(rng: random.Random) -> Problem:
    n = rng.randint(1, 40)
    max_k = rng.choice([1, 2, 3, 4, 6, 9])
    ks = [rng.randint(1, max_k) for _ in range(n)]
    shape = rng.choice(["random", "chain", "star", "tree", "cycles"])
    if shape == "chain":
        edges = [[i - 1, i] for i in range(1, n)]
    elif shape == "star":
        edges = [[0, i] for i in range(1, n)]
    elif shape == "tree":
        edges = [[rng.randrange(i), i] for i in range(1, n)]
    elif shape == "cycles":
        edges = [[i, (i + 1) % n] for i in range(n)] + [[i, (i + 2) % n] for i in range(0, n, 3)]
    else:
        edges = [[rng.randrange(n), rng.randrange(n)] for _ in range(rng.randint(0, 3 * n))]
    # Parallel edges (either way round) and self loops.
    for _ in range(rng.randint(0, 3)):
        if edges:
            u, v = rng.choice(edges)
            edges.append([v, u] if rng.random() < 0.5 else [u, v])
    if rng.random() < 0.3:
        edges.append([rng.randrange(n)] * 2)
    rng.shuffle(edges)
    forbid = rng.choice([0.0, 0.05, 0.2, 0.5])
    levels = rng.choice([3, 50, 10**6])  # few levels: many equal and dominated strategies
    # Allowed costs just below FORBIDDEN_COST, whose sums become forbidden
    # when moved into node costs, fixed or folded.
    near = rng.random() < 0.25

    def entry():
        if rng.random() < forbid:
            return rng.choice([F, 10**18, F + 1])
        if near and rng.random() < 0.3:
            return F - rng.randint(1, 3)
        return rng.randint(0, levels)

    costs = [[entry() for _ in range(k)] for k in ks]
    if rng.random() < 0.1:  # a node with no allowed strategy: no allowed assignment
        dead = rng.randrange(n)
        costs[dead] = [10**18] * ks[dead]
    flat_usage = rng.random() < 0.3
    usages = [[rng.randint(0, 9) if not flat_usage else 5 for _ in range(k)] for k in ks]
    matrices = []
    for u, v in edges:
        kind = rng.random()
        if kind < 0.15:
            matrices.append([0] * (ks[u] * ks[v]))  # separable: dropped
        elif kind < 0.3:  # a sum of a row and a column term: separable after moving minima
            rows = [rng.randint(0, levels) for _ in range(ks[u])]
            cols = [rng.randint(0, levels) for _ in range(ks[v])]
            matrices.append([rows[a] + cols[b] for a in range(ks[u]) for b in range(ks[v])])
        else:
            matrices.append([entry() for _ in range(ks[u] * ks[v])])
    intervals = []
    horizon = rng.randint(1, 12)
    for _ in range(n):
        start = rng.randint(0, horizon)
        intervals.append([start, start + rng.randint(0, 6)])
    top = sum(max(u) for u in usages)
    limit = rng.choice([None, rng.randint(0, max(1, top)), top, 0])
    return Problem("r", intervals, costs, usages, edges, matrices, limit)


@pytest.mark.parametrize("seed", range(400))
def test_flat_reduction_is_the_node_by_node_one(seed):
    rng = random.Random(seed)
    problem = _random_problem(rng)
    assert_same_reduction(reduce(problem), reference_reduce(problem), rng)


@pytest.mark.parametrize("seed", range(4))
def test_flat_reduction_is_the_node_by_node_one_on_larger_problems(seed):
    """Hundreds of nodes with up to 30 strategies, so that removals ripple
    through several rounds and dominance sees many pairs."""
    rng = random.Random(1000 + seed)
    n = 400
    ks = [rng.choice([1, 2, 4, 9, 30]) for _ in range(n)]
    edges = [[rng.randrange(i), i] for i in range(1, n)] + [[rng.randrange(n), rng.randrange(n)] for _ in range(n)]
    problem = Problem(
        "big",
        [[s, s + rng.randint(0, 30)] for s in (rng.randint(0, 100) for _ in range(n))],
        [[rng.choice([rng.randint(0, 20), F]) if rng.random() < 0.1 else rng.randint(0, 20) for _ in range(k)]
         for k in ks],
        [[rng.randint(0, 4) for _ in range(k)] for k in ks],
        edges,
        [[rng.choice([0, 1, 2, rng.randint(0, 50), F]) for _ in range(ks[u] * ks[v])] for u, v in edges],
        rng.choice([None, 200, 400]),
    )
    assert_same_reduction(reduce(problem), reference_reduce(problem), rng)


G = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "iopddl", "asplos-2025-iopddl-G.json.gz")


@pytest.mark.skipif(not os.path.exists(G), reason="../shared/iopddl (instance G) is not present")
def test_flat_reduction_is_the_node_by_node_one_on_instance_g():
    problem = read_problem(G)
    assert_same_reduction(reduce(problem), reference_reduce(problem), random.Random(0))


def test_negative_costs_are_rejected():
    """The flat reductions add costs in another order than the node-by-node
    ones; clipped at FORBIDDEN_COST that is the same only for costs >= 0."""
    with pytest.raises(ProblemError, match="negative cost"):
        Problem("n", [[0, 1]], [[1, -1]], [[0, 0]], [], [])
    with pytest.raises(ProblemError, match="negative cost"):
        Problem("n", [[0, 1], [0, 1]], [[1], [1]], [[0], [0]], [[0, 1]], [[-3]])


def _plain_evaluate(problem: Problem, choice) -> tuple[int, int]:
    """The contest evaluator's sums, one Python integer at a time."""
    ks = [len(c) for c in problem.costs]
    cost = sum(int(problem.costs[i][s]) for i, s in enumerate(choice))
    cost += sum(int(m[choice[u] * ks[v] + choice[v]]) for (u, v), m in zip(problem.edges.tolist(), problem.edge_costs))
    peak = 0
    for t in {int(s) for s, _ in problem.intervals.tolist()}:
        live = sum(int(problem.usages[i][s]) for i, s in enumerate(choice)
                   if problem.intervals[i, 0] <= t < problem.intervals[i, 1])
        peak = max(peak, live)
    return cost, peak


@pytest.mark.parametrize("seed", range(60))
def test_evaluate_is_the_plain_sum(seed):
    """evaluate (flat arrays, 32-bit halves summed apart) against plain
    Python integers, forbidden 1e18 costs and usages near 2^62 included."""
    from autoshard.solver import evaluate

    rng = random.Random(seed)
    problem = _random_problem(rng)
    if seed % 5 == 0:  # usages whose sum exceeds int64
        problem = Problem("huge", problem.intervals, problem.costs,
                          [[rng.choice([0, 2**62, 3 * 2**61]) for _ in u] for u in problem.usages],
                          problem.edges, problem.edge_costs, None)
    for _ in range(5):
        choice = [rng.randrange(len(c)) for c in problem.costs]
        assert evaluate(problem, choice) == _plain_evaluate(problem, choice)
