"""Sequential decoding of the reparametrised costs (solver/sequential.py),
and the message passing layouts it reads (solver/trws.py)."""

from __future__ import annotations

import types

import numpy as np
import pytest

from autoshard.solver import lagrangian
from autoshard.solver.elimination import CoreGraph
from autoshard.solver.local_search import core_cost
from autoshard.solver.sequential import SequentialDecoder
from autoshard.solver.trws import MessagePassing


def _core(rng: np.random.Generator, n: int, edges: int):
    """A core-like graph: random strategies, costs, usages and matrices,
    edges in either orientation (first end before or after the second)."""
    ks = rng.integers(1, 6, size=n)
    pairs = set()
    while len(pairs) < edges:
        u, v = (int(x) for x in rng.integers(0, n, size=2))
        if u != v and (v, u) not in pairs:
            pairs.add((u, v))
    eu = np.array([u for u, _ in sorted(pairs)], dtype=np.int64)
    ev = np.array([v for _, v in sorted(pairs)], dtype=np.int64)
    return types.SimpleNamespace(
        costs=[rng.integers(0, 100, size=k).astype(np.int64) for k in ks],
        usage=[rng.integers(0, 10, size=k).astype(np.int64) for k in ks],
        eu=eu, ev=ev,
        mats=[rng.integers(0, 100, size=(ks[u], ks[v])).astype(np.int64) for u, v in zip(eu, ev)],
        lo=np.zeros(n, np.int64), hi=np.ones(n, np.int64), baseline=np.zeros(1, np.int64),
        limit=None, offset=0)


def _node_by_node(graph, node, mats):
    """The definition: in core order, each node's reparametrised cost plus
    its earlier neighbours' edge rows (or columns) at their choices."""
    choice = np.full(graph.n, -1, dtype=np.int64)
    for i in range(graph.n):
        score = node[i].copy()
        for (u, v), m in zip(graph.edge_list, mats):
            if v == i and u < i:
                score += m[choice[u]]
            elif u == i and v < i:
                score += m[:, choice[v]]
        choice[i] = int(np.argmin(score))
    return choice


@pytest.mark.parametrize("case", range(12))
def test_sequential_decoding_is_the_node_by_node_one(case):
    rng = np.random.default_rng(case)
    n = int(rng.integers(2, 40))
    core = _core(rng, n, int(rng.integers(1, 2 * n)))
    graph = CoreGraph(core)
    passing = MessagePassing(graph)
    # Non-integer costs so that no two strategies tie.
    costs = [c + rng.random(len(c)) for c in core.costs]
    for _ in range(int(rng.integers(0, 4))):
        passing.sweep(costs, True)
        passing.sweep(costs, False)
    flat_node, flat_mats = passing.reparametrised_flat(costs)
    node, mats = passing.split(flat_node, flat_mats)
    decoded = SequentialDecoder(graph, passing.mat_first).decode(flat_node, flat_mats)
    assert decoded.tolist() == _node_by_node(graph, node, mats).tolist()


def test_each_decode_also_keeps_the_sequential_answer(monkeypatch):
    """With elimination made to decode the dearest strategies, the answer
    kept after a decode is still no dearer than the sequential decode's."""
    rng = np.random.default_rng(7)
    core = _core(rng, 30, 50)
    graph = CoreGraph(core)
    monkeypatch.setattr(lagrangian, "eliminate",
                        lambda g, node, mats=None: (np.array([int(np.argmax(c)) for c in node]), 0))
    answer = lagrangian.FirstAnswer(core, graph, 0)
    answer.run(1, lambda: False)
    costs = [c.astype(np.float64) for c in core.costs]
    sequential = SequentialDecoder(graph, answer.messages.mat_first).decode(*answer.messages.reparametrised_flat(costs))
    dearest = np.array([int(np.argmax(c)) for c in core.costs])
    assert core_cost(core, graph, answer.best.choice) <= core_cost(core, graph, sequential)
    assert core_cost(core, graph, answer.best.choice) < core_cost(core, graph, dearest)


@pytest.mark.parametrize("case", range(10))
def test_message_passing_copies_give_the_numbers_of_a_fresh_build(case):
    """MessagePassing.of builds the layouts once per graph and copies them
    with zero messages and a cap at most the layouts': every sweep, bound
    and reparametrisation is the one of a message passing built anew."""
    rng = np.random.default_rng(300 + case)
    n = int(rng.integers(3, 30))
    core = _core(rng, n, int(rng.integers(2, 2 * n)))
    costs = [c + rng.random(len(c)) for c in core.costs]
    cap = float(rng.choice([1e15, 120.0, 40.0]))
    shared = CoreGraph(core)
    MessagePassing.of(shared).sweep(costs, True)  # the layouts, and a run that must not leak
    for _ in range(2):
        fresh, copied = MessagePassing(CoreGraph(core), cap), MessagePassing.of(shared, cap)
        for _ in range(3):
            for passing in (fresh, copied):
                passing.sweep(costs, True)
                passing.sweep(costs, False)
        assert fresh.work.tolist() == copied.work.tolist()
        assert fresh.lower_bound(costs) == copied.lower_bound(costs)
        assert fresh.reparametrised_flat(costs)[1].tolist() == copied.reparametrised_flat(costs)[1].tolist()


@pytest.mark.parametrize("case", range(40))
def test_recorded_elimination_decodes_as_elimination_does(case):
    """The elimination replayed level by level (compiled_elimination.py)
    chooses what `eliminate` chooses, greedy steps included (no ties: the
    costs are not integers), on reparametrised costs as the decode uses."""
    from autoshard.solver.compiled_elimination import compiled
    from autoshard.solver.elimination import eliminate

    rng = np.random.default_rng(500 + case)
    n = int(rng.integers(1, 45))
    core = _core(rng, n, min(int(rng.integers(0, 3 * n)), n * (n - 1) // 2))
    graph = CoreGraph(core)
    passing = MessagePassing(graph)
    costs = [c + rng.random(len(c)) for c in core.costs]
    for _ in range(int(rng.integers(0, 3))):
        passing.sweep(costs, True)
        passing.sweep(costs, False)
    flat_node, flat_mats = passing.reparametrised_flat(costs)
    expected, greedy_steps = eliminate(graph, *passing.split(flat_node, flat_mats))
    replay = compiled(graph, passing.mat_first)
    assert replay is not None and replay.greedy_steps == greedy_steps
    for _ in range(2):  # the buffers are reused from decode to decode
        assert replay.decode(flat_node, flat_mats).tolist() == expected.tolist()


def test_the_command_line_asks_numpy_for_no_huge_pages():
    from numpy._core.multiarray import _set_madvise_hugepage

    from autoshard.tools.solve import _without_huge_pages

    previous = _set_madvise_hugepage(True)
    _without_huge_pages()
    assert _set_madvise_hugepage(previous) is False
