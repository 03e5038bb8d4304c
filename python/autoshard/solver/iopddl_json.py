"""Reading IOPDDL problem files and writing solution files.

The format is the one of Google's IOPDDL contest (github.com/google/iopddl):

    {"problem": {"name": ..., "nodes": {"intervals": [[start, end], ...],
                                        "costs": [[...], ...], "usages": [[...], ...]},
                 "edges": {"nodes": [[u, v], ...], "costs": [[...], ...]},
                 "usage_limit": int (optional)}}

Plain JSON or gzip-compressed (.gz, recognised by its magic bytes).
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
import zlib

from .problem import Problem, ProblemError, Solution, cycle_collector_paused

_GZIP_MAGIC = b"\x1f\x8b"


class ProblemFileError(ProblemError):
    """A problem file that is not JSON, with the line:col (1-based, in the
    decompressed text) where the JSON parser stopped."""

    def __init__(self, message: str, line: int, col: int):
        super().__init__(message)
        self.line = line
        self.col = col


def _load_json(path) -> object:
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as err:
            raise ProblemError(f"corrupt or truncated gzip data ({err})") from None
    try:
        return json.loads(data)
    except UnicodeDecodeError as err:
        raise ProblemError(f"not UTF-8 text ({err.reason})") from None
    except json.JSONDecodeError as err:
        raise ProblemFileError(f"invalid or truncated JSON: {err.msg}", err.lineno, err.colno) from None
    except RecursionError:
        raise ProblemError("JSON nested too deeply") from None


def _member(obj, key: str, where: str, required: bool = True):
    if not isinstance(obj, dict):
        raise ProblemError(f"{where} must be a JSON object")
    if key not in obj:
        if required:
            raise ProblemError(f"missing '{key}' in {where}")
        return None
    return obj[key]


def _list(value, where: str) -> list:
    if not isinstance(value, list):
        raise ProblemError(f"{where} must be a JSON list")
    return value


def problem_from_json(document) -> Problem:
    """A Problem from the parsed JSON document of an IOPDDL file."""
    problem = _member(document, "problem", "the file")
    nodes = _member(problem, "nodes", "problem")
    edges = _member(problem, "edges", "problem", required=False) or {"nodes": [], "costs": []}
    return Problem(
        name=str(_member(problem, "name", "problem", required=False) or ""),
        intervals=_list(_member(nodes, "intervals", "problem.nodes"), "problem.nodes.intervals"),
        costs=_list(_member(nodes, "costs", "problem.nodes"), "problem.nodes.costs"),
        usages=_list(_member(nodes, "usages", "problem.nodes"), "problem.nodes.usages"),
        edges=_list(_member(edges, "nodes", "problem.edges"), "problem.edges.nodes"),
        edge_costs=_list(_member(edges, "costs", "problem.edges"), "problem.edges.costs"),
        usage_limit=_member(problem, "usage_limit", "problem", required=False),
    )


def read_problem(path) -> Problem:
    """Read an IOPDDL problem file (plain or gzip JSON).

    Raises ProblemError for malformed, truncated or inconsistent content and
    OSError when the file cannot be read."""
    with cycle_collector_paused():
        problem = problem_from_json(_load_json(path))
    if not problem.name:
        object.__setattr__(problem, "name", os.path.basename(str(path)).split(".")[0])
    return problem


def write_solution(path, solution: Solution) -> None:
    """Write the strategy index per node under "solution", plus the cost,
    peak usage, status, bound and seconds for people reading the file."""
    document = {
        "solution": [int(s) for s in solution.assignment],
        "cost": int(solution.cost),
        "peak_usage": int(solution.peak_usage),
        "status": solution.status,
        "bound": None if solution.bound is None else int(solution.bound),
    }
    text = json.dumps(document) + "\n"
    if os.path.exists(path) and not os.path.isfile(path):  # /dev/stdout, a FIFO: never replace those
        with open(path, "w") as f:
            f.write(text)
        return
    # Written next to the target and renamed into place: a failure (disk
    # full, interrupt) never leaves a half-written solution behind.
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".autoshard-solve-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
