"""autoshard-solve on bad input: one located `error:` line, exit 1, no
traceback, no usage text, no output file; the time guard on big inputs."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from autoshard.solver import Problem, evaluate
from autoshard.solver.iopddl_json import problem_from_json
from autoshard.solver.reduce import reduce
from autoshard.solver.solve import solve_with_progress


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "autoshard.tools.solve", *map(str, args)],
                          capture_output=True, text=True)


def _document(n=3):
    return {"problem": {"name": "small",
                        "nodes": {"intervals": [[i, i + 2] for i in range(n)],
                                  "costs": [[1, 2]] * n, "usages": [[1, 1]] * n},
                        "edges": {"nodes": [[0, 1]], "costs": [[0, 1, 1, 0]]},
                        "usage_limit": 10}}


def _assert_one_error(run, *fragments):
    assert run.returncode == 1, run.stderr
    assert run.stderr.startswith("error: "), run.stderr
    assert run.stderr.count("\n") == 1, run.stderr
    assert "Traceback" not in run.stderr and "usage:" not in run.stderr
    for fragment in fragments:
        assert fragment in run.stderr


@pytest.mark.parametrize("limit", ["nan", "inf", "-inf", "1e308", "abc", "0", "-1"])
def test_bad_time_limits_are_argument_errors(tmp_path, limit):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(_document()))
    _assert_one_error(_cli(path, f"--time-limit={limit}"), "--time-limit", limit)


@pytest.mark.parametrize("args, fragment", [
    (["--threads", "x"], "--threads"),
    (["--threads", "0"], "--threads"),
    (["--seed", "1.5"], "--seed"),
    (["--seed", "99999999999999999999"], "--seed: must be from 0 to 2147483647"),
    (["--threads", "100000"], "--threads: must be from 1 to 256"),
    (["--bogus"], "unrecognized arguments"),
])
def test_bad_arguments_give_one_line(tmp_path, args, fragment):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(_document()))
    _assert_one_error(_cli(path, "--time-limit", "120", *args), fragment)


def test_missing_problem_argument():
    _assert_one_error(_cli("--time-limit", "120"), "required")


def test_json_syntax_error_has_line_and_column(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('{"problem": {\n  "nodes": {"intervals": [[0, 1]],\n    "costs": [[1,]]}}}')
    _assert_one_error(_cli(path, "--time-limit", "120"), f"{path}:3:18: invalid or truncated JSON")


@pytest.mark.parametrize("mutate, fragment", [
    (lambda d: d["problem"]["nodes"]["costs"].__setitem__(1, [1, 2**64]), "node 1 costs"),
    (lambda d: d["problem"]["nodes"]["usages"].__setitem__(2, [1, -1]), "node 2"),
    (lambda d: d["problem"]["edges"]["costs"].__setitem__(0, [0, 1, True, 0]), "edge 0 costs"),
    (lambda d: d["problem"]["nodes"]["costs"].__setitem__(0, []), "node 0 has no strategy"),
])
def test_content_errors_name_the_node_or_edge(tmp_path, mutate, fragment):
    document = _document()
    mutate(document)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    out = tmp_path / "sol.json"
    _assert_one_error(_cli(path, "--time-limit", "120", "-o", out), fragment)
    assert not out.exists()


def test_solution_file_is_complete_or_absent(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(_document()))
    out = tmp_path / "sol.json"
    # A limit no start-up under load can exhaust: the 3 nodes solve at once.
    run = _cli(path, "--time-limit", "120", "-o", out)
    assert run.returncode == 0, run.stderr
    document = json.loads(out.read_text())
    assert document["solution"] == [0, 0, 0]
    assert document["status"] == "optimal"
    assert (document["cost"], document["peak_usage"]) == evaluate(problem_from_json(_document()), [0, 0, 0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "sol.json"]  # no temporary left


def _chain(n, seed=0):
    rng = random.Random(seed)
    return Problem("chain", [[i, i + 2] for i in range(n)],
                   [[rng.randrange(100), rng.randrange(100)] for _ in range(n)],
                   [[rng.randrange(1, 10), rng.randrange(1, 10)] for _ in range(n)],
                   [[i, i + 1] for i in range(n - 1)],
                   [[rng.randrange(50) for _ in range(4)] for _ in range(n - 1)], usage_limit=12)


def test_reductions_stopped_at_once_still_expand_to_a_valid_assignment():
    problem = _chain(300)
    stopped = reduce(problem, lambda: True)
    full = reduce(problem)
    assert len(stopped.core.costs) >= len(full.core.costs)
    choice = [0] * len(stopped.core.costs)
    cost, peak = evaluate(problem, stopped.expand(choice))
    assert cost >= 0 and peak >= 0


def test_no_time_left_gives_the_least_usage_answer_fast():
    problem = _chain(3000)
    said: list = []
    solution = solve_with_progress(problem, time_limit=5, wall_limit=0.01, log=said.append)
    # No search ran: the guard's decision, not a measured duration.
    assert any("no time left to search: the quick answer" in line for line in said), said
    least_peak = evaluate(problem, [min(range(2), key=lambda s: (u[s], c[s]))
                                    for c, u in zip(problem.costs, problem.usages)])[1]
    assert solution.peak_usage <= least_peak
    assert solution.status in ("feasible", "infeasible", "unknown")
    assert evaluate(problem, solution.assignment) == (solution.cost, solution.peak_usage)


def test_time_limit_holds_on_a_big_problem(tmp_path):
    """Reading alone outlasts the limit: the hard deadline stops the run
    with a located error instead of an answer after many seconds."""
    rng = random.Random(3)
    # Reading 300,000 nodes took 1.1 s on an idle machine once reading got
    # faster, inside the hard deadline (limit + 0.7 s): 900,000 nodes and a
    # 0.1 s limit keep reading about four times longer than the deadline.
    n = 900_000
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"problem": {"name": "big", "nodes": {
        "intervals": [[i, i + 2] for i in range(n)],
        "costs": [[rng.randrange(100), rng.randrange(100)] for _ in range(n)],
        "usages": [[rng.randrange(10), rng.randrange(10)] for _ in range(n)]},
        "edges": {"nodes": [], "costs": []}, "usage_limit": 15}}))
    out = tmp_path / "sol.json"
    run = _cli(path, "--time-limit", "0.1", "-o", out)
    # Without the hard deadline the reading would finish and the greedy
    # answer be written (exit 0); the deadline cuts it: one located error,
    # and no solution file, partial or whole.
    _assert_one_error(run, "the time limit of 0.1 s ran out while reading the problem")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.json"]


def test_greedy_fallback_is_published_before_the_search():
    """The CLI keeps the answers published so far for when its hard
    deadline cuts the search: the greedy one first, then the search's first
    answer; each is what the checker says, none beats the final one."""
    problem = _chain(2000)
    published = []
    # The guard far away: under load the quick answer could otherwise leave
    # too little of 5 s to search, and the run would end with it alone.
    solution = solve_with_progress(problem, time_limit=5, wall_limit=600, on_fallback=published.append)
    assert len(published) >= 2
    for answer in published:
        assert evaluate(problem, answer.assignment) == (answer.cost, answer.peak_usage)
        assert solution.cost <= answer.cost or not answer.meets_limit


def _two_overlapping(limit):
    return Problem("two", [[0, 2], [1, 3]], [[0, 0], [0, 0]], [[1, 5], [1, 5]], [[0, 1]],
                   [[0, 0, 0, 0]], usage_limit=limit)


@pytest.mark.parametrize("limit, searched, status", [
    (4, "feasible", "unknown"),       # (0, 0) peaks at 2: possible, only not found
    (4, "infeasible", "infeasible"),  # the exact search proved it
    (1, "feasible", "infeasible"),    # every assignment peaks at 2 or more
])
def test_infeasible_only_where_proven(limit, searched, status):
    """An answer over the limit is "infeasible" only with a proof (the exact
    search's, or least usages already over the limit), else "unknown"; the
    command line then does not call the budget infeasible."""
    import importlib

    from autoshard.tools.solve import _report

    solve_module = importlib.import_module("autoshard.solver.solve")
    problem = _two_overlapping(limit)
    solution = solve_module._checked_solution(problem, (1, 1), searched, None, solve_module._Clock(10))
    assert (solution.status, solution.peak_usage, solution.meets_limit) == (status, 10, False)
    report = _report(solution, limit)
    assert f"status: {status} (" in report
    assert ("none is proven impossible" in report) == (status == "unknown")
    assert "lowest peak found, 10" in report
    assert solve_module.solve(problem).status == ("infeasible" if limit == 1 else "optimal")


def test_a_phase_stops_while_its_longest_step_still_fits():
    """The wall guard of a phase stops once what is left would not hold its
    longest step so far on top of the reserve: a step cannot be cut
    halfway. (The clock here is a stand-in whose time left is set.)"""
    import importlib
    import time

    solve_module = importlib.import_module("autoshard.solver.solve")

    class Left:
        seconds = 10.0

        def left(self):
            return self.seconds

    clock = Left()
    guard = solve_module._Guard(clock, reserve=1.0)
    assert not guard()
    time.sleep(0.2)  # one step of at least 0.2 s
    clock.seconds = 1.1  # over the reserve, but not by a step
    assert guard() and guard.longest >= 0.2
    guard.fresh()  # a new phase: what lies between phases is no step
    clock.seconds = 1.5
    time.sleep(0.3)
    assert not guard() and guard.longest < 0.3
    clock.seconds = 1.1
    for _ in range(solve_module.GUARD_WINDOW):  # quick steps push the long one out of the window
        guard()
    assert not guard() and guard.longest < 0.1
    first = solve_module._Guard(clock, reserve=1.0, first_step=0.6)
    clock.seconds = 1.5
    assert first()  # the first step is known to take 0.6 s: 1.5 < 1.0 + 0.6
