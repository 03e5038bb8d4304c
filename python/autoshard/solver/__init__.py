"""The auto-sharding solver: problem and solution types, the IOPDDL file
format, an independent checker, and `solve`. Imports nothing from MLIR."""

from .evaluate import evaluate
from .iopddl_json import read_problem, write_solution
from .problem import FORBIDDEN_COST, Problem, ProblemError, Solution
from .solve import solve

__all__ = [
    "FORBIDDEN_COST",
    "Problem",
    "ProblemError",
    "Solution",
    "evaluate",
    "read_problem",
    "solve",
    "write_solution",
]
