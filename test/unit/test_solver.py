"""Solver core: exact optimum against brute force, reader, checker, CLI errors."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoshard.solver import (
    FORBIDDEN_COST,
    Problem,
    ProblemError,
    Solution,
    evaluate,
    read_problem,
    solve,
    write_solution,
)
from autoshard.solver.solve import solve_with_progress

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(REPO, "..", "shared", "iopddl")
EXAMPLE = os.path.join(SHARED, "example.json")
needs_shared = pytest.mark.skipif(not os.path.exists(EXAMPLE), reason="shared/iopddl is absent")


def brute_force(problem: Problem):
    """(min cost within the limit or None, min peak over the assignments
    making no forbidden choice, or None if every one does)."""
    best_cost, allowed_peak = None, None
    for assignment in itertools.product(*[range(len(c)) for c in problem.costs]):
        cost, peak = evaluate(problem, assignment)
        if cost < FORBIDDEN_COST:
            allowed_peak = peak if allowed_peak is None else min(allowed_peak, peak)
        if problem.usage_limit is None or peak <= problem.usage_limit:
            best_cost = cost if best_cost is None else min(best_cost, cost)
    return best_cost, allowed_peak


@st.composite
def small_problems(draw, max_nodes=8, limit="any"):
    n = draw(st.integers(1, max_nodes))
    ks = [draw(st.integers(1, 3)) for _ in range(n)]
    cost = st.integers(0, 100)
    intervals = []
    for _ in range(n):
        start = draw(st.integers(0, 10))
        intervals.append([start, start + draw(st.integers(0, 6))])
    costs = [[draw(cost) for _ in range(k)] for k in ks]
    usages = [[draw(st.integers(0, 20)) for _ in range(k)] for k in ks]
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n))
    edges = [[u, v] for u, v in pairs]
    edge_costs = [
        [draw(st.one_of(cost, cost, cost, st.just(FORBIDDEN_COST * 1000))) for _ in range(ks[u] * ks[v])]
        for u, v in edges
    ]
    usage_limit = None
    if limit != "none" and (limit == "binding" or draw(st.booleans())):
        total = sum(max(u) for u in usages)
        usage_limit = draw(st.integers(0, total))
    return Problem("random", intervals, costs, usages, edges, edge_costs, usage_limit)


def _check_against_brute_force(problem: Problem):
    solution = solve(problem, time_limit=10, threads=1)
    cost, peak = evaluate(problem, solution.assignment)
    assert (cost, peak) == (solution.cost, solution.peak_usage)
    best_cost, best_peak = brute_force(problem)
    if best_cost is None:
        assert solution.status == "infeasible"
        if best_peak is not None:
            assert peak == best_peak
    elif best_cost >= FORBIDDEN_COST:
        # Every assignment within the limit makes a forbidden choice.
        assert solution.status == "infeasible"
    else:
        assert solution.status == "optimal"
        assert cost == best_cost
        assert solution.bound == best_cost


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems(limit="none"))
def test_optimal_without_limit(problem):
    _check_against_brute_force(problem)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems(limit="binding"))
def test_optimal_with_binding_limit(problem):
    _check_against_brute_force(problem)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems(max_nodes=10, limit="any"))
def test_optimal_up_to_ten_nodes(problem):
    _check_against_brute_force(problem)


@needs_shared
def test_example_optimum_by_brute_force():
    problem = read_problem(EXAMPLE)
    best_cost, _ = brute_force(problem)
    solution = solve(problem, time_limit=5)
    assert solution.status == "optimal"
    assert solution.cost == best_cost
    assert evaluate(problem, solution.assignment) == (solution.cost, solution.peak_usage)
    assert solution.peak_usage <= problem.usage_limit


def test_evaluate_by_hand():
    problem = Problem(
        "hand",
        intervals=[[0, 2], [1, 3], [2, 2]],
        costs=[[1, 2], [10, 20], [5]],
        usages=[[3, 4], [5, 6], [100]],
        edges=[[0, 1]],
        edge_costs=[[0, 7, 11, 13]],
        usage_limit=9,
    )
    # Node 2 has an empty interval: its usage never counts. At t=1 nodes 0 and 1 overlap.
    assert evaluate(problem, [0, 0, 0]) == (1 + 10 + 5 + 0, 8)
    assert evaluate(problem, [1, 1, 0]) == (2 + 20 + 5 + 13, 10)
    assert evaluate(problem, [0, 1, 0]) == (1 + 20 + 5 + 7, 9)
    with pytest.raises(ProblemError):
        evaluate(problem, [0, 2, 0])
    with pytest.raises(ProblemError):
        evaluate(problem, [0, 0])


def test_half_open_intervals_do_not_overlap_at_the_boundary():
    problem = Problem("touch", [[0, 5], [5, 9]], [[0], [0]], [[7], [7]], [], [], usage_limit=7)
    assert evaluate(problem, [0, 0]) == (0, 7)
    assert solve(problem).status == "optimal"


@pytest.mark.parametrize(
    "fields, message",
    [
        (dict(edge_costs=[[1, 2, 3]]), "expected 2 x 2"),
        (dict(edges=[[0, 5]]), "out of range"),
        (dict(intervals=[[3, 1], [0, 1]]), "invalid interval"),
        (dict(intervals=[[-1, 1], [0, 1]]), "invalid interval"),
        (dict(usages=[[1, -2], [0, 1]]), "negative usage"),
        (dict(usages=[[1], [0, 1]]), "2 costs but 1 usages"),
        (dict(costs=[[], [0, 1]], usages=[[], [0, 1]]), "no strategy"),
        (dict(intervals=[[0, 1]]), "differ in length"),
        (dict(edge_costs=[]), "1 edges but 0"),
        (dict(costs=[[1.5, 2], [0, 1]]), "integers"),
    ],
)
def test_problem_validation(fields, message):
    base = dict(
        name="p",
        intervals=[[0, 1], [0, 1]],
        costs=[[1, 2], [0, 1]],
        usages=[[1, 1], [0, 1]],
        edges=[[0, 1]],
        edge_costs=[[0, 1, 2, 3]],
        usage_limit=5,
    )
    base.update(fields)
    with pytest.raises(ProblemError, match=message):
        Problem(**base)


def test_problem_is_immutable():
    problem = Problem("p", [[0, 1]], [[1, 2]], [[0, 0]], [], [])
    with pytest.raises(AttributeError):
        problem.name = "q"
    with pytest.raises(ValueError):
        problem.costs[0][0] = 5
    assert hash(problem) == hash(problem)


def _write(path, document, compress=False):
    data = json.dumps(document).encode()
    with open(path, "wb") as f:
        f.write(gzip.compress(data) if compress else data)


@needs_shared
def test_reader_plain_and_gzip(tmp_path):
    with open(EXAMPLE) as f:
        document = json.load(f)
    _write(tmp_path / "p.json.gz", document, compress=True)
    plain, zipped = read_problem(EXAMPLE), read_problem(tmp_path / "p.json.gz")
    assert plain.num_nodes == zipped.num_nodes == 5
    assert plain.num_edges == 5
    assert plain.usage_limit == 50
    assert list(plain.edge_costs[2]) == [90, 10, 20, 80]
    assert plain.intervals.tolist() == zipped.intervals.tolist()


def test_reader_rejects_truncated_gzip(tmp_path):
    data = gzip.compress(b'{"problem": {"name": "x", "nodes": {"intervals": [[0, 1]]' + b" " * 2000)
    path = tmp_path / "t.json.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ProblemError, match="gzip"):
        read_problem(path)


def test_write_solution(tmp_path):
    path = tmp_path / "s.json"
    write_solution(path, Solution((0, 2, 1), 17, 5, "optimal", 17, 0.1))
    assert json.loads(path.read_text())["solution"] == [0, 2, 1]


@needs_shared
def test_deterministic_on_example_and_random(tmp_path):
    import random

    problem = read_problem(EXAMPLE)
    assert solve(problem, seed=3).assignment == solve(problem, seed=3).assignment
    rng = random.Random(7)
    n, k = 300, 4
    intervals = [[i, i + rng.randint(1, 30)] for i in range(n)]
    costs = [[rng.randint(0, 1000) for _ in range(k)] for _ in range(n)]
    usages = [[rng.randint(1, 50) for _ in range(k)] for _ in range(n)]
    edges = [[i, rng.randrange(i + 1, n)] for i in range(n - 1) for _ in range(2)]
    edge_costs = [[rng.randint(0, 1000) for _ in range(k * k)] for _ in edges]
    mid = Problem("mid", intervals, costs, usages, edges, edge_costs, usage_limit=400)
    # The work budgets come from time_limit; a wall guard far away keeps a
    # loaded machine from cutting the search, so equal outputs show that
    # nothing but work bounds it (no wall-clock assertion: see README).
    first = solve_with_progress(mid, time_limit=6, seed=1, wall_limit=600)
    second = solve_with_progress(mid, time_limit=6, seed=1, wall_limit=600)
    assert first.assignment == second.assignment
    assert (first.cost, first.peak_usage, first.status, first.bound) == \
        (second.cost, second.peak_usage, second.status, second.bound)
    assert evaluate(mid, first.assignment) == (first.cost, first.peak_usage)
    assert first.peak_usage <= 400


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "autoshard.tools.solve", *map(str, args)],
                          capture_output=True, text=True)


@needs_shared
def test_cli_solves_example(tmp_path):
    out = tmp_path / "sol.json"
    run = _cli(EXAMPLE, "--time-limit", "120", "-o", out)
    assert run.returncode == 0, run.stderr
    assert "status: optimal" in run.stdout
    document = json.loads(out.read_text())
    problem = read_problem(EXAMPLE)
    assert evaluate(problem, document["solution"])[0] == document["cost"]
    assert f"cost: {document['cost']}" in run.stdout


def _example_document():
    return {
        "problem": {
            "name": "bad",
            "nodes": {"intervals": [[0, 2], [1, 3]], "costs": [[1, 2], [3]], "usages": [[1, 1], [2]]},
            "edges": {"nodes": [[0, 1]], "costs": [[5, 6]]},
            "usage_limit": 10,
        }
    }


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["problem"]["edges"]["costs"].__setitem__(0, [5, 6, 7]), "expected 2 x 1"),
        (lambda d: d["problem"]["edges"]["nodes"].__setitem__(0, [0, 9]), "out of range"),
        (lambda d: d["problem"]["nodes"]["intervals"].__setitem__(0, [4, 2]), "invalid interval"),
        (lambda d: d["problem"].pop("nodes"), "missing 'nodes'"),
        (lambda d: d["problem"]["nodes"].__setitem__("costs", {"a": 1}), "must be a JSON list"),
    ],
)
def test_cli_rejects_inconsistent_files(tmp_path, mutate, message):
    document = _example_document()
    mutate(document)
    path = tmp_path / "bad.json"
    _write(path, document)
    run = _cli(path, "--time-limit", "120")
    assert run.returncode == 1
    assert run.stderr.startswith(f"error: {path}: ")
    assert message in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("content", [b'{"problem": {"name": "x", "nodes": {"intervals": [[0,', b"", b"\x1f\x8b\x08\x00"])
def test_cli_rejects_truncated_files(tmp_path, content):
    path = tmp_path / "cut.json.gz"
    path.write_bytes(content)
    run = _cli(path, "--time-limit", "120")
    assert run.returncode == 1
    assert run.stderr.startswith("error: ")
    assert "Traceback" not in run.stderr


def test_cli_missing_file(tmp_path):
    run = _cli(tmp_path / "nope.json", "--time-limit", "120")
    assert run.returncode == 1
    assert "error:" in run.stderr and "No such file" in run.stderr


def test_limit_that_never_binds():
    import random

    rng = random.Random(11)
    n, k = 60, 3
    problem = Problem(
        "loose",
        [[i, i + rng.randint(1, 10)] for i in range(n)],
        [[rng.randint(0, 100) for _ in range(k)] for _ in range(n)],
        [[rng.randint(1, 9) for _ in range(k)] for _ in range(n)],
        [[i, rng.randrange(i + 1, n)] for i in range(n - 1) for _ in range(2)],
        [[rng.randint(0, 100) for _ in range(k * k)] for _ in range(2 * (n - 1))],
        usage_limit=10**9,
    )
    unlimited = Problem("free", problem.intervals.tolist(), problem.costs, problem.usages,
                        problem.edges.tolist(), problem.edge_costs, None)
    solution = solve(problem, time_limit=5)
    assert solution.status == "optimal"
    assert solution.cost == solve(unlimited, time_limit=5).cost


def test_no_time_to_search_still_avoids_forbidden_pairs():
    """With no time left after the reductions the driver answers at once.
    Here every node's least-usage strategy (0) is forbidden against its
    neighbour's, as on A, so the greedy answer alone would be unusable; the
    quick answer falls back to the priced elimination, which avoids them."""
    import random

    rng = random.Random(5)
    n, k = 40, 3
    edges = [[i, i + 1] for i in range(n - 1)] + [[i, (i + 7) % n] for i in range(0, n - 7, 3)]
    edge_costs = []
    for _ in edges:
        matrix = [rng.randint(0, 50) for _ in range(k * k)]
        matrix[0] = FORBIDDEN_COST * 10  # both ends on their least-usage strategy
        edge_costs.append(matrix)
    problem = Problem(
        "forbidden-greedy",
        [[i, i + 3] for i in range(n)],
        [[rng.randint(0, 100) for _ in range(k)] for _ in range(n)],
        [[1, 2, 3] for _ in range(n)],
        edges,
        edge_costs,
        usage_limit=2 * 4 + 1,
    )
    reports: list = []
    # A wall limit far below what the reductions take: no search at all.
    solution = solve_with_progress(problem, time_limit=10, wall_limit=1e-3, on_fallback=reports.append)
    assert solution.status == "feasible"
    assert solution.cost < FORBIDDEN_COST and solution.peak_usage <= problem.usage_limit
    assert reports and all(r.cost < FORBIDDEN_COST for r in reports)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_problems(limit="binding"))
def test_a_few_nodes_with_many_pairs_are_solved_whole(problem):
    """A core above FULL_MODEL_MAX_PAIRS but of few nodes (G's graph with
    many strategies) goes to CP-SAT whole after message passing and the
    bound, not to windows, at a limit of a minute or more: proven optimal,
    as brute force says. With the windows (the path before, and the path
    below a minute) a non-empty core is only "feasible"."""
    import importlib

    solve_module = importlib.import_module("autoshard.solver.solve")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solve_module, "FULL_MODEL_MAX_PAIRS", 0)
        solution = solve(problem, time_limit=solve_module.WIDE_MODEL_MIN_SECONDS, threads=1)
        best_cost, _ = brute_force(problem)
        if best_cost is not None and best_cost < FORBIDDEN_COST:
            assert solution.status == "optimal" and solution.cost == best_cost == solution.bound
        else:
            assert solution.status == "infeasible"
