"""With until_stalled, message passing stops when its best answer has
stalled, counted in passes, so the answer does not depend on the machine's
speed: the same assignment with the wall guard far away and with a clock
running three times fast (a machine three times slower), and the stop is
the stall's, not the work budget's nor the guard's. Without it (the
default) message passing runs its whole budget."""

from __future__ import annotations

import importlib
import random
import re
import time
from types import SimpleNamespace

from autoshard.solver import Problem, evaluate

solve_module = importlib.import_module("autoshard.solver.solve")  # the package exports the function `solve`


def _problem(seed: int, n: int = 150, k: int = 4) -> Problem:
    rng = random.Random(seed)
    intervals = [[i, i + rng.randint(1, 30)] for i in range(n)]
    costs = [[rng.randint(0, 1000) for _ in range(k)] for _ in range(n)]
    usages = [[rng.randint(1, 50) for _ in range(k)] for _ in range(n)]
    edges = [[i, rng.randrange(i + 1, n)] for i in range(n - 1) for _ in range(2)]
    edge_costs = [[rng.randint(0, 1000) for _ in range(k * k)] for _ in edges]
    # 1,000 is above every peak the search meets: the probe does not bind
    return Problem("stall", intervals, costs, usages, edges, edge_costs, usage_limit=1000)


def _passes(lines) -> tuple[int, int]:
    """(passes run, the budget) from the driver's first-answer line."""
    found = [re.search(r"first answer after (\d+) of (\d+) message passes", line) for line in lines]
    match = next(m for m in found if m)
    return int(match.group(1)), int(match.group(2))


def test_stalled_message_passing_gives_one_answer_at_any_speed(monkeypatch):
    monkeypatch.setattr(solve_module, "FULL_MODEL_MAX_PAIRS", 0)  # the large-core path
    # a budget the stall's least count of passes can end before
    monkeypatch.setattr(solve_module, "MAX_ITERATIONS", 4 * solve_module.STALL_MIN_PASSES)
    problem = _problem(3)
    quiet: list = []
    reference = solve_module.solve_with_progress(problem, time_limit=4, seed=0, wall_limit=1e6, log=quiet.append,
                                                 until_stalled=True)
    passes, budget = _passes(quiet)
    assert passes < budget, quiet  # the stall ended it, not the budget

    start = time.monotonic()
    monkeypatch.setattr(solve_module, "time", SimpleNamespace(monotonic=lambda: start + 3 * (time.monotonic() - start)))
    slow: list = []
    slowed = solve_module.solve_with_progress(problem, time_limit=4, seed=0, log=slow.append, until_stalled=True)
    assert _passes(slow) == (passes, budget), slow
    assert slowed.assignment == reference.assignment
    assert (slowed.cost, slowed.peak_usage) == (reference.cost, reference.peak_usage) == evaluate(problem, reference.assignment)


def test_message_passing_runs_its_whole_budget_by_default(monkeypatch):
    """The same problem as above without until_stalled: every pass of the
    budget is run, and the answer is no worse than the stalled one."""
    monkeypatch.setattr(solve_module, "FULL_MODEL_MAX_PAIRS", 0)
    monkeypatch.setattr(solve_module, "MAX_ITERATIONS", 4 * solve_module.STALL_MIN_PASSES)
    problem = _problem(3)
    stalled: list = []
    early = solve_module.solve_with_progress(problem, time_limit=4, seed=0, wall_limit=1e6, log=stalled.append,
                                             until_stalled=True)
    whole: list = []
    full = solve_module.solve_with_progress(problem, time_limit=4, seed=0, wall_limit=1e6, log=whole.append)
    passes, budget = _passes(whole)
    assert passes == budget > _passes(stalled)[0], (whole, stalled)
    assert full.cost <= early.cost
    assert (full.cost, full.peak_usage) == evaluate(problem, full.assignment)


def test_until_stalled_waits_as_long_as_the_search_took():
    """A best answer found at pass f ends the run at pass max(STALL_MIN_PASSES,
    2 f, STALL_BUDGET_SHARE of the budget); one found every few passes keeps
    it going to the budget."""

    class Scripted:  # improves at the given passes
        def __init__(self, improving):
            self.improving, self.iterations, self.best = set(improving), 0, object()

        def run(self, iterations, stop):
            for _ in range(iterations):
                if stop():
                    break
                self.iterations += 1
                if self.iterations in self.improving:
                    self.best = object()
            return self.best

    least, share = solve_module.STALL_MIN_PASSES, solve_module.STALL_BUDGET_SHARE
    budget = int(least / share)  # its share is the minimum
    for improving, iterations, end in (((), budget, least), ((3,), budget, least), ((least,), budget, 2 * least),
                                       (range(4, 1000, 4), budget, budget), ((), 4 * budget, 4 * least)):
        answer = Scripted(improving)
        solve_module._until_stalled(answer, iterations, lambda: False)
        assert answer.iterations == end, (improving, iterations, answer.iterations)
    answer = Scripted(())
    solve_module._until_stalled(answer, 1000, lambda: True)
    assert answer.iterations == 0  # the wall-clock guard
