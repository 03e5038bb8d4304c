"""The solver driver: reduce, find a first answer fast, then search exactly.

1. Exact reductions shrink the problem to its core (reduce.py).
2. TRW-S message passing on a memory-priced relaxation, decoded by
   elimination, repaired to the limit and polished, gives a first assignment
   (lagrangian.py); where memory binds, the run switches to per-node prices.
   It runs its whole budget; with `until_stalled` (the MLIR pass, where
   compile time counts) it ends early once its best answer has stalled.
3. If the exact CP-SAT model of the whole core is small enough it is solved
   with that assignment as a hint: "optimal" when CP-SAT proves it. If CP-SAT
   proves the usage limit unreachable, the smallest peak is found exactly
   (minimise P) and then the cheapest assignment with that peak.
4. Otherwise a certified lower bound comes from the Lagrangian dual of the
   memory limit with per-time prices (dual.py), and windows of the core are
   re-solved exactly (lns.py); a core of few nodes with many strategies is
   then solved whole by CP-SAT instead.
5. The assignment is expanded to the original problem and checked by the
   independent evaluator, whose cost and peak are the ones reported.

Determinism: every search step is bounded by work (evaluation counts, CP-SAT
deterministic time with a fixed seed and interleaved workers), never by the
wall clock; the wall clock is only a guard so the limit is never overrun,
and it stops the search early only on a machine much slower than the one the
budgets were calibrated on.
"""

from __future__ import annotations

import time

import numpy as np

from .dual import certified, lagrangian_bound
from .elimination import CoreGraph
from .evaluate import evaluate
from .lagrangian import FirstAnswer
from .local_search import Assignment, core_cost
from .problem import FORBIDDEN_COST, Problem, Solution
from .reduce import reduce

# CP-SAT deterministic seconds granted per second of time limit; measured on
# the 2-core machine, one deterministic second took 1.5 to 2 wall seconds,
# and reading, reducing and the first answer need the rest.
DETERMINISTIC_PER_SECOND = 0.4
# The whole core goes to CP-SAT in one model up to this many edge-pair
# variables (G, 816 nodes, has about 60,000 and solves to optimality).
FULL_MODEL_MAX_PAIRS = 250_000
PARALLEL_MODEL_MIN_PAIRS = 20_000
# A core of few nodes but more pairs than that (G's graph with many
# strategies, like the contest's V) also goes to CP-SAT whole, after the
# certified bound and instead of windows, with WIDE_MODEL_DETERMINISTIC_PER_SECOND
# of the limit: LNS windows of 100 to 200 nodes stay "unknown" there. Measured on
# G3 (G's graph, 37 strategies per node; a core of 384 nodes and 506,608
# pairs) at 300 s: windows ended at 46 s at 208,147; the whole model proves
# 197,536 optimal at 280 s of 300 (75 deterministic seconds), with a peak
# of 8.6 GB resident: the pair cap keeps such a model near 10 GB.
# Only at limits of a minute or more (the contest's shortest): building such
# a model alone takes seconds, and the MLIR pass's default limit is 10 s.
WIDE_MODEL_MAX_NODES = 2_000
WIDE_MODEL_MAX_PAIRS = 600_000
WIDE_MODEL_DETERMINISTIC_PER_SECOND = 0.25
WIDE_MODEL_MIN_SECONDS = 60.0
# Local-search evaluations per node for each first-answer candidate.
EVALUATIONS_PER_NODE = 40
# Share of the time limit for message passing on large cores (the rest goes
# to reading, reducing and large-neighbourhood search), and its cost per
# iteration (decoding included) in seconds per unit of core size,
# nodes + 2 edges + allowed pairs / 200. Measured on the 2-core machine idle
# with the node-by-node passes: A 1.0 s, M 0.63 s, S 0.89 s an iteration,
# which nodes + 2 edges alone fits at 9.6e-6; the pairs term keeps instances
# with huge matrices on the safe side. The passes on flat arrays are 3.2 to
# 3.4 times faster (A and S, same load), but decoding did not speed up as
# much: on the idle machine a pass of A takes 0.54 s (66 passes in 35.7 s),
# 4.7e-6 per unit. A's answer improves up to its 50th pass (1.054x the best
# known after 30, 1.004x after 50); at 3.2e-6 it was given 90 passes, which
# the wall guard cut at a load-dependent pass (two runs, two files).
# The share leaves reading and reducing (A: 11-14 s of its 60), the bound's
# rounds and the windows room before the wall guard, so that the budgets,
# not the guard, end the search on an idle machine (same file twice).
MESSAGE_PASSING_SHARE = 0.45
SECONDS_PER_UNIT = 4.7e-6
PAIRS_PER_UNIT = 200
# The wall-clock guard stops message passing only when less than this share
# of the limit is left (on a loaded machine the iterations take longer).
MESSAGE_PASSING_RESERVE = 0.12
# Memory binds when the best answer after PROBE_ITERATIONS passes (its first
# two decodes) uses at least BINDING of the limit (S: 1.000 of it; A 0.969
# and M 0.909, the same after 3 passes as after 10, so a short probe leaves
# more passes to per-node prices under a loaded machine's wall guard); message passing then
# switches to per-node prices (lagrangian.py) for the rest of its share plus
# PER_NODE_SHARE of the time limit. Where the probe does not bind, the single
# price runs its whole share and per-node prices get PER_NODE_SHARE only if
# the answer binds at the end, and only if that buys MIN_PER_NODE_ITERATIONS.
PROBE_ITERATIONS = 3
BINDING = 0.98
# With until_stalled, message passing also ends once its best answer has
# stalled, after pass max(STALL_MIN_PASSES, twice the pass that found it,
# STALL_BUDGET_SHARE of its budget) (see _until_stalled). Measured with the
# budgets alone: A's best jumps from 3.5e10 to 7.3e9 at pass 14 (hence the
# minimum), and 24 GPT-2 blocks find their best at pass 6 and stop at 16 of
# 43. It is not the default: on M the best sits at 5.2533e10 from pass 6 to
# 45 and drops to 5.0288e10 (4.3%) at pass 46, so at a 60 s limit (75
# passes) the stall ended the search at pass 19, after 23 s of the 60.
STALL_MIN_PASSES = 16
STALL_BUDGET_SHARE = 0.25
PER_NODE_SHARE = 0.25
MIN_PER_NODE_ITERATIONS = 12
# Large-neighbourhood search: windows of at most LNS_WINDOW_TIME deterministic
# seconds, counted so that they fit LNS_SHARE of the time limit at the wall
# time a window of a few hundred nodes took on A (model building included).
LNS_SHARE = 0.05
LNS_WINDOW_TIME = 0.5
LNS_SECONDS_PER_WINDOW = 2.5
MAX_ITERATIONS = 300
# The certified bound on large cores: rounds of message passing with
# per-time memory prices (dual.py), BOUND_SHARE of the time limit; a round
# costs about BOUND_ROUND_UNITS iterations of the search's message passing
# (the push and the price steps on top of two sweeps; measured on S at load
# 3 to 5: a round 2.1 s against an iteration's 0.7 to 2.5 s).
BOUND_SHARE = 0.10
BOUND_ROUND_UNITS = 3.0
# At most as many rounds as message passes: a small core would otherwise get
# thousands (A, M and S get 5 to 20; G3 at 300 s got 533, 17.6 s, for a bound
# its whole CP-SAT model then proves anyway).
MAX_BOUND_ROUNDS = 300
SMALL_CORE_ITERATIONS = 40
# Wall-clock guard for huge inputs: the reductions stop once less than
# REDUCTION_RESERVE of the time is left (building the core, a first answer,
# expanding and checking it need the rest), and with less than
# SEARCH_RESERVE left after them there is no search, only a greedy answer.
REDUCTION_RESERVE = 0.5
SEARCH_RESERVE = 0.3
# The wall guards of phases keep room for the longest of their last this
# many steps (a decode comes every DECODE_EVERY passes).
GUARD_WINDOW = 8


class _Clock:
    def __init__(self, wall_limit: float):
        self.start = time.monotonic()
        self.wall_limit = wall_limit
        # Leave room for expanding, checking and writing the answer.
        self.deadline = self.start + 0.95 * wall_limit - 0.2

    def short_of(self, share: float) -> bool:
        """Less than `share` of the wall limit is left."""
        return self.left() < share * self.wall_limit

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start


class _Guard:
    """A phase's wall-clock stop, asked once before each of its steps (a
    message pass with its decode, a bound round): stop once fewer seconds
    are left than `reserve` plus the longest of the last GUARD_WINDOW steps,
    since a step cannot be cut halfway (a pass of two copies of M with its
    decode took 7 s on a slow machine, and the run overran its limit). The
    window covers a whole decode cycle but forgets the first pass, which
    also touches the decode's buffers for the first time (6 s against 1.5 s
    later on two copies of M). A step is the time from one question to the
    next; `fresh()` starts a new phase. Before any step is timed, a step
    counts as `first_step` seconds."""

    def __init__(self, clock: _Clock, reserve: float, first_step: float = 0.0):
        self.clock, self.reserve = clock, reserve
        self.first_step = first_step
        self.steps: list[float] = []
        self._asked: float | None = None

    @property
    def longest(self) -> float:
        return max(self.steps[-GUARD_WINDOW:], default=self.first_step)

    def fresh(self) -> None:
        self._asked = None

    def __call__(self) -> bool:
        now = time.monotonic()
        if self._asked is not None:
            self.steps.append(now - self._asked)
        self._asked = now
        return self.clock.left() < self.reserve + self.longest


def solve(problem: Problem, time_limit: float = 10.0, threads: int = 2, seed: int = 0,
          until_stalled: bool = False) -> Solution:
    """Minimise the total cost subject to the usage limit; see the module
    docstring. Deterministic for the same problem, options and seed.
    `until_stalled` ends message passing once its best answer has stalled
    (sooner, sometimes worse) instead of at the end of its budget."""
    return solve_with_progress(problem, time_limit, threads, seed, until_stalled=until_stalled)


def solve_with_progress(problem: Problem, time_limit: float = 10.0, threads: int = 2, seed: int = 0,
                        wall_limit: float | None = None, log=None, on_fallback=None,
                        until_stalled: bool = False) -> Solution:
    """`solve`, with the wall-clock guard set apart from the time limit (the
    CLI subtracts the time spent reading) and progress lines sent to `log`.
    `on_fallback(solution)`, if given, receives a quick answer as soon as
    the reductions end (see _quick_answer), then the first answer, then the first answer with
    its certified bound, for a caller whose hard deadline may cut the search
    (under heavy load the search can overrun its budgets)."""
    clock = _Clock(time_limit if wall_limit is None else wall_limit)
    say = (lambda message: log(f"[{clock.elapsed():7.1f}s] {message}")) if log else (lambda message: None)
    reduction = reduce(problem, lambda: clock.short_of(REDUCTION_RESERVE))
    core = reduction.core
    n = len(core.costs)
    say(f"reduced {problem.num_nodes} nodes / {problem.num_edges} edges to {n} / {len(core.mats)}")
    graph = CoreGraph(core)
    first = FirstAnswer(core, graph, EVALUATIONS_PER_NODE * n) if n else None
    if first is not None and (on_fallback is not None or clock.short_of(SEARCH_RESERVE)):
        quick = _checked_solution(problem, reduction.expand(_quick_answer(core, graph, first).choice), "feasible",
                                  None, clock)
        if on_fallback is not None:
            on_fallback(quick)
        if clock.short_of(SEARCH_RESERVE):
            say("no time left to search: the quick answer")
            return quick
    status, core_bound, mp_bound = "feasible", None, None
    if first is None:
        state = Assignment(core, graph, np.zeros(0, np.int64))
        status = "optimal"
    else:
        pairs = sum(int((m < FORBIDDEN_COST).sum()) for m in core.mats)
        units = n + 2 * len(core.mats) + pairs / PAIRS_PER_UNIT
        iterations = int(min(MAX_ITERATIONS, MESSAGE_PASSING_SHARE * time_limit / (SECONDS_PER_UNIT * units)))
        if pairs <= FULL_MODEL_MAX_PAIRS:
            # CP-SAT takes over; the first answer only needs to be a good hint.
            iterations = min(iterations, SMALL_CORE_ITERATIONS)
        stop = _Guard(clock, MESSAGE_PASSING_RESERVE * time_limit)
        per_node = int(min(MAX_ITERATIONS, PER_NODE_SHARE * time_limit / (SECONDS_PER_UNIT * units)))
        per_node = per_node if pairs > FULL_MODEL_MAX_PAIRS else 0
        if not per_node:  # a hint for CP-SAT, or a tiny limit: the whole (small) budget
            state = first.run(iterations, stop)
        else:
            state = first.run(min(iterations, PROBE_ITERATIONS), stop)
            if _binds(core, state):
                per_node = min(MAX_ITERATIONS, per_node + iterations - first.iterations)
            else:
                state = _until_stalled(first, iterations - first.iterations, stop, until_stalled)
        say(f"first answer after {first.iterations} of {iterations} message passes: cost {core_cost(core, graph, state.choice):.6g}, "
            f"peak {state.peak()} / limit {core.limit}")
        if per_node >= MIN_PER_NODE_ITERATIONS and _binds(core, state):
            state = _per_node_phase(core, graph, state, per_node, stop, say, until_stalled)
        if on_fallback is not None:
            on_fallback(_checked_solution(problem, reduction.expand(state.choice), "feasible", None, clock))
        mp_bound = certified(first.lower_bound() + core.offset)
        if pairs > FULL_MODEL_MAX_PAIRS:
            # CP-SAT will not see the whole core, so its bound is only local:
            # the certified bound comes from the Lagrangian dual (dual.py).
            upper = core_cost(core, graph, state.choice) if state.feasible() else np.inf
            rounds = int(min(MAX_BOUND_ROUNDS, BOUND_SHARE * time_limit / (SECONDS_PER_UNIT * BOUND_ROUND_UNITS * units)))
            # Its first step copies the messages' layouts and runs a round
            # (A: about 1 s, where the longest pass, with its decode, is 1.4 s).
            lagrangian = lagrangian_bound(core, graph, rounds, upper,
                                          _Guard(clock, (LNS_SHARE + 0.02) * time_limit, stop.longest))
            if np.isfinite(lagrangian):
                mp_bound = max(mp_bound, certified(lagrangian))
            say(f"lagrangian bound after up to {rounds} rounds: {mp_bound}")
            if on_fallback is not None:
                on_fallback(_checked_solution(problem, reduction.expand(state.choice), "feasible",
                                              max(mp_bound, _simple_bound(core)), clock))
        budget = DETERMINISTIC_PER_SECOND * time_limit
        if pairs <= FULL_MODEL_MAX_PAIRS:
            # Interleaved workers cost more than they bring on small models
            # (100 random nodes: 3.2 s with two, 0.6 s with one).
            workers = threads if pairs >= PARALLEL_MODEL_MIN_PAIRS else 1
            state, status, core_bound = _solve_full(core, graph, state, budget, clock, workers, seed, say)
        elif (n <= WIDE_MODEL_MAX_NODES and pairs <= WIDE_MODEL_MAX_PAIRS and time_limit >= WIDE_MODEL_MIN_SECONDS
              and clock.left() > 1.0):
            wide = WIDE_MODEL_DETERMINISTIC_PER_SECOND * time_limit
            state, status, core_bound = _solve_full(core, graph, state, wide, clock, threads, seed, say)
        elif clock.left() > 1.0 and (windows := int(LNS_SHARE * time_limit / LNS_SECONDS_PER_WINDOW)):
            from .lns import large_neighbourhood_search  # CP-SAT: imported when used (0.4 s)

            # Windows are small models: one worker each (see above).
            state = large_neighbourhood_search(state, windows, LNS_WINDOW_TIME, clock.left, 1, seed, say)
    bound = core_bound + core.offset if core_bound is not None else _simple_bound(core)
    if mp_bound is not None:
        bound = max(bound, mp_bound)
    return _checked_solution(problem, reduction.expand(state.choice), status, bound, clock)


def _checked_solution(problem, assignment, status, bound, clock) -> Solution:
    """The Solution for `assignment`, cost and peak from the independent
    evaluator. If that is over the limit or makes a forbidden choice, the
    status is "infeasible" only where that is proven: by the exact search
    ("infeasible"; or "optimal" on a core the exact reductions emptied), or
    because the least usage of every node already breaks the limit; else
    "unknown" (a large core's search found nothing, which proves nothing)."""
    cost, peak = evaluate(problem, assignment)
    feasible = (problem.usage_limit is None or peak <= problem.usage_limit) and cost < FORBIDDEN_COST
    if not feasible:
        proven = status in ("optimal", "infeasible") or _least_peak_breaks_limit(problem)
        status = "infeasible" if proven else "unknown"
    if status == "optimal":
        bound = cost
    return Solution(tuple(assignment), cost, peak, status, None if bound is None else min(bound, cost),
                    clock.elapsed())


def _least_peak_breaks_limit(problem) -> bool:
    """Every node at its least usage is already over the limit somewhere
    (that peak is below every assignment's)."""
    if problem.usage_limit is None:
        return False
    ks = problem.num_strategies
    first = np.cumsum(ks) - ks
    by_usage = np.lexsort((problem.flat_usages, np.repeat(np.arange(len(ks)), ks)))
    return evaluate(problem, by_usage[first] - first)[1] > problem.usage_limit


def _usable(core, graph, state) -> bool:
    """Within the limit and free of forbidden choices (checked on the core,
    so that only a usable answer is expanded and evaluated)."""
    return state.feasible() and core_cost(core, graph, state.choice) < FORBIDDEN_COST


def _quick_answer(core, graph, first: FirstAnswer) -> Assignment:
    """An answer before any search, for a caller whose deadline may come
    first: the least-usage greedy one if it is usable; it ignores edges, so
    it may pair forbidden strategies (on A it does), and then the priced
    elimination that message passing starts from (2 s on A) if that one is
    usable; if neither is, the greedy one, whose usage is the least."""
    greedy = Assignment(core, graph, _greedy_choice(core))
    if _usable(core, graph, greedy):
        return greedy
    start = first.run(0, lambda: False)
    return start if _usable(core, graph, start) else greedy


def _greedy_choice(core) -> np.ndarray:
    """Per core node, the least-usage strategy (cheapest among those), which
    meets the limit whenever any assignment does (edges ignored); without a
    limit, the cheapest."""
    if core.limit is None:
        return np.array([int(np.argmin(c)) for c in core.costs], np.int64)
    return np.array([int(np.lexsort((c, u))[0]) for c, u in zip(core.costs, core.usage)], np.int64)


def _until_stalled(answer: FirstAnswer, iterations: int, stop, stalling: bool = True):
    """`answer.run` for at most `iterations` more passes, ending early (if
    `stalling`) at pass max(STALL_MIN_PASSES, 2 f, STALL_BUDGET_SHARE *
    budget) when the best answer was found at pass f: the search has then
    stalled for as long as it had searched. Counted in passes, so the answer
    does not depend on the machine's load (the wall-clock guard `stop` stays
    a safety net)."""
    if not stalling:
        return answer.run(iterations, stop)
    best = answer.run(0, stop)
    end, found = answer.iterations + iterations, answer.iterations
    floor = max(STALL_MIN_PASSES, STALL_BUDGET_SHARE * end)
    while answer.iterations < end:
        done = answer.iterations
        latest = answer.run(1, stop)
        if answer.iterations == done:  # the wall-clock guard
            break
        if latest is not best:
            best, found = latest, answer.iterations
        if answer.iterations >= max(floor, 2 * found):
            break
    return best


def _binds(core, state) -> bool:
    return core.limit is not None and state.feasible() and state.peak() >= BINDING * core.limit


def _per_node_phase(core, graph, state, iterations, stop, say, stalling):
    """Where memory binds, message passing with per-node prices
    (lagrangian.py); its answer replaces `state` only if cheaper."""
    second = FirstAnswer(core, graph, EVALUATIONS_PER_NODE * graph.n, per_node=True)
    stop.fresh()  # building `second` is not a pass
    other = _until_stalled(second, iterations, stop, stalling)
    cost, other_cost = core_cost(core, graph, state.choice), core_cost(core, graph, other.choice)
    say(f"per-node prices after {second.iterations} of {iterations} passes: cost {other_cost:.6g}")
    return other if other.feasible() and other_cost < cost else state


def _simple_bound(core) -> int:
    """Offset plus every node's and edge's cheapest entry (memory ignored)."""
    return int(core.offset + sum(int(c.min()) for c in core.costs) + sum(int(m.min()) for m in core.mats))


def _solve_full(core, graph, state, budget, clock, threads, seed, say):
    """The whole core in one CP-SAT model; returns (state, status, bound)."""
    from .cpsat_model import WindowModel  # imported when used: OR-tools takes 0.4 s
    everything = np.arange(graph.n)
    model = WindowModel(core, graph, everything, state.choice, state.load)
    if state.feasible():
        model.hint(state.choice)
    result = model.solve(budget, max(0.1, clock.left()), threads, seed)
    say(f"exact model: {result.status}, objective {result.objective}, bound {result.bound}")
    if result.choice is not None:
        trial = Assignment(core, graph, result.choice)
        if trial.feasible():
            return trial, ("optimal" if result.status == "optimal" else "feasible"), result.bound
    if result.status != "infeasible":
        return state, "feasible", None
    return _least_peak(core, graph, state, budget, clock, threads, seed, say), "infeasible", None


def _least_peak(core, graph, state, budget, clock, threads, seed, say):
    """The limit is unreachable: minimise the peak, then the cost at that peak."""
    from .cpsat_model import WindowModel
    everything = np.arange(graph.n)
    model = WindowModel(core, graph, everything, state.choice, state.load, mode="peak")
    model.hint(state.choice)
    result = model.solve(budget / 2, max(0.1, clock.left() / 2), threads, seed)
    if result.choice is None:
        return state
    # The model's answer makes no forbidden choice; the heuristic's lower peak
    # may come from one, so only an unproven model answer yields to it.
    best = Assignment(core, graph, result.choice)
    if result.status != "optimal" and state.peak() < best.peak() and core_cost(core, graph, state.choice) < FORBIDDEN_COST:
        best = state
    say(f"smallest peak {best.peak()} ({result.status})")
    capped = WindowModel(core, graph, everything, best.choice, best.load, peak_cap=best.peak())
    capped.hint(best.choice)
    result = capped.solve(budget / 2, max(0.1, clock.left()), threads, seed)
    if result.choice is not None:
        trial = Assignment(core, graph, result.choice)
        if trial.peak() <= best.peak():
            return trial
    return best
