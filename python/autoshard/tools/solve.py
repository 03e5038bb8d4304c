"""autoshard-solve: solve an IOPDDL auto-sharding problem file.

    autoshard-solve PROBLEM.json[.gz] --time-limit SECONDS [--threads N] [--seed N] [-o SOLUTION.json]

Prints the cost, the peak usage against the limit, the status (with the best
lower bound and gap when not proven optimal) and the seconds taken, reading
the file included. Errors go to stderr as `error: ...` with exit code 1.
"""

from __future__ import annotations

import time

# The time limit covers everything the user waits for, so the clock starts
# before the solver (numpy, OR-tools) is imported.
_STARTED = time.monotonic()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402

from autoshard.solver import FORBIDDEN_COST, ProblemError, read_problem, write_solution  # noqa: E402
from autoshard.solver.iopddl_json import ProblemFileError  # noqa: E402
from autoshard.solver.solve import solve_with_progress  # noqa: E402

# Progress lines appear once a run has taken this long.
_QUIET_SECONDS = 2.0
# Beyond this a limit is a typo, and deadlines far in the future overflow
# the waits of the libraries below.
MAX_TIME_LIMIT = 7 * 24 * 3600.0


class _ArgumentError(Exception):
    """A bad command line: one `error:` line and exit 1, no usage dump."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise _ArgumentError(message)


def _seconds(text: str) -> float:
    """A finite, positive number of seconds (argparse `type`)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite positive number of seconds, got '{text}'")
    if value > MAX_TIME_LIMIT:
        raise argparse.ArgumentTypeError(f"at most {MAX_TIME_LIMIT:.0f} seconds (a week), got '{text}'")
    return value


def _integer(low: int, high: int):
    """An integer in [low, high] (argparse `type`): seeds and thread counts
    go to CP-SAT's C++ ints, where larger ones are a TypeError."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {value}")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="autoshard-solve", description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("problem", help="IOPDDL problem file (.json or .json.gz)")
    parser.add_argument("--time-limit", type=_seconds, default=10.0, help="seconds, reading included (default 10)")
    parser.add_argument("--threads", type=_integer(1, 256), default=2, help="solver threads (default 2)")
    parser.add_argument("--seed", type=_integer(0, (1 << 31) - 1), default=0, help="random seed (default 0)")
    parser.add_argument("-o", "--output", help="write the solution JSON here")
    return parser


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _progress(start: float):
    def log(message: str) -> None:
        if time.monotonic() - start >= _QUIET_SECONDS:
            print(message, file=sys.stderr, flush=True)

    return log


def _report(solution, limit) -> str:
    lines = [f"cost: {solution.cost}"]
    if limit is None:
        lines.append(f"peak usage: {solution.peak_usage} (no limit)")
    else:
        lines.append(f"peak usage: {solution.peak_usage} / limit {limit} ({solution.peak_usage / max(limit, 1):.3f})")
    if solution.status == "feasible" and solution.bound is not None:
        gap = (solution.cost - solution.bound) / max(abs(solution.cost), 1)
        lines.append(f"status: feasible (lower bound {solution.bound}, gap {100 * gap:.2f}%)")
    elif solution.status in ("infeasible", "unknown"):
        found = _not_met(solution, limit)
        if solution.status == "infeasible":
            lines.append(f"status: infeasible (proven: no assignment free of forbidden choices is within the "
                         f"limit; the answer is the {found})")
        else:
            lines.append(f"status: unknown (no assignment free of forbidden choices within the limit was found, "
                         f"and none is proven impossible; the answer is the {found})")
    else:
        lines.append(f"status: {solution.status}")
    lines.append(f"seconds: {solution.seconds:.2f}")
    return "\n".join(lines)


def _not_met(solution, limit) -> str:
    """What the answer of a search that met no limit is."""
    forbidden = solution.cost >= FORBIDDEN_COST
    if limit is not None and solution.peak_usage > limit:
        return f"lowest peak found, {solution.peak_usage}" + (", and it makes forbidden choices" if forbidden else "")
    return "one found, within the limit but making forbidden choices"


class _OutOfTime(BaseException):
    """The hard deadline passed (a BaseException: nothing on the way may
    swallow it)."""


@contextlib.contextmanager
def _hard_deadline(seconds: float):
    """Raises _OutOfTime in the main thread `seconds` from now, wherever it
    is: reading, reducing and the first answer are pure Python and cannot
    all check a clock.  A no-op where there is no SIGALRM."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _grace(limit: float) -> float:
    """The overrun allowed to a run: 5% or 1 s, whichever is larger; the
    hard deadline comes at 70% of it, leaving the rest to report and exit."""
    return 0.7 * max(0.05 * limit, 1.0)


def _without_huge_pages() -> None:
    """Stops numpy asking for transparent huge pages for its large arrays.
    Where the kernel answers such a request by compacting memory on the
    spot (transparent_hugepage/defrag = madvise, as on the 2-core machine,
    whose memory is fragmented), first touches of new arrays stall: 14
    message passes of A took 20.5 s with the requests and 14.3 s without."""
    try:
        from numpy._core.multiarray import _set_madvise_hugepage  # type: ignore[attr-defined]
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _set_madvise_hugepage  # type: ignore[no-redef,attr-defined,unused-ignore]
    _set_madvise_hugepage(False)


def main(argv=None) -> int:
    """The command; from the command line (argv None) the process ends here
    without freeing the problem: for a million nodes that alone takes
    longer than the slack the time limit allows."""
    if argv is None:
        _without_huge_pages()
    code = _run(argv)
    if argv is None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _run(argv) -> int:
    try:
        args = _parser().parse_args(argv)
    except _ArgumentError as err:
        return _fail(str(err))
    start = _STARTED if argv is None else time.monotonic()
    phase = "while reading the problem"
    fallback: list = []  # answers so far, the last reported if the hard deadline cuts the search
    try:
        with _hard_deadline(start + args.time_limit + _grace(args.time_limit) - time.monotonic()):
            try:
                problem = read_problem(args.problem)
            except ProblemFileError as err:
                return _fail(f"{args.problem}:{err.line}:{err.col}: {err}")
            except (ProblemError, OSError, json.JSONDecodeError, EOFError, UnicodeDecodeError) as err:
                detail = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
                return _fail(f"{args.problem}: {detail}")
            read_seconds = time.monotonic() - start
            log = _progress(start)
            log(f"read {problem.num_nodes} nodes / {problem.num_edges} edges in {read_seconds:.1f} s")
            phase = (f"before the solver had an answer for the {problem.num_nodes} nodes and "
                     f"{problem.num_edges} edges (reading took {read_seconds:.1f} s)")
            # Past the limit already (a slow start): only the quick answer,
            # within the slack, before the hard deadline.
            try:
                solution = solve_with_progress(problem, args.time_limit, args.threads, args.seed,
                                               wall_limit=max(0.01, args.time_limit - read_seconds),
                                               log=log,
                                               on_fallback=fallback.append)
            except _OutOfTime:
                # Only an answer within the limit and free of forbidden
                # choices stands in for the search's; otherwise the error.
                usable = [answer for answer in fallback if answer.meets_limit]
                if not usable:
                    raise
                print("time limit reached during the search: the best answer found before it", file=sys.stderr)
                solution = usable[-1]
        solution = type(solution)(solution.assignment, solution.cost, solution.peak_usage, solution.status,
                                  solution.bound, time.monotonic() - start)
        print(_report(solution, problem.usage_limit))
        if args.output:
            try:
                write_solution(args.output, solution)
            except OSError as err:
                return _fail(f"{args.output}: {err.strerror or err}")
    except _OutOfTime:
        return _fail(f"{args.problem}: the time limit of {args.time_limit:g} s ran out {phase}")
    except KeyboardInterrupt:
        return _fail("interrupted")
    except MemoryError:
        return _fail(f"{args.problem}: out of memory")
    except RecursionError:
        return _fail(f"{args.problem}: nested too deeply")
    return 0


if __name__ == "__main__":
    sys.exit(main())
