"""Sizes the planner refuses before building a problem.

Costs are integer picoseconds and usages integer bytes in the solver's
64-bit arithmetic; a tensor beyond any machine (a petabyte) would only
overflow them, deep inside the solver and far from its cause.  It is
reported at the op or argument whose type introduced it.
"""

from __future__ import annotations

from autoshard.diagnostics import AutoshardError
from autoshard.units import format_bytes

MAX_TENSOR_BYTES = 1 << 50  # 1 PiB


def check_tensor_sizes(graph) -> None:
    """Raises a located AutoshardError for the first value of `graph` (a
    FuncGraph) over MAX_TENSOR_BYTES."""
    ops = {op.id: op for op in graph.ops}
    for value in graph.values:
        t = value.tensor
        if t is None or t.nbytes <= MAX_TENSOR_BYTES:
            continue
        if value.producer is not None:
            op = ops[value.producer]
            what, loc = f"a result of '{op.name}'", op.loc
        else:
            what, loc = f"argument #{value.arg_index}", value.value.location
        raise AutoshardError(
            f"{what} of type tensor<{'x'.join(str(s) for s in t.shape)}x{t.dtype}> holds {t.nbytes} bytes "
            f"({format_bytes(t.nbytes)}), beyond the {format_bytes(MAX_TENSOR_BYTES)} per tensor autoshard plans for",
            loc,
        )
