"""Small helpers shared by the op handler modules."""

from __future__ import annotations

import numpy as np

from autoshard.ir import ir
from autoshard.sim.values import SimError, np_dtype


def wide(x) -> np.ndarray:
    """float -> float64, (u)int -> int64, bool unchanged: the compute types."""
    x = np.asarray(x)
    if x.dtype.kind == "f":
        return x.astype(np.float64)
    if x.dtype.kind in "iu":
        return x.astype(np.int64)
    return x


def binary(fn):
    """A handler applying numpy `fn` to two widened operands (numpy
    broadcasting is TOSA's equal-rank size-1 broadcasting)."""
    return lambda op, args, dev: fn(wide(args[0]), wide(args[1]))


def trunc_div(a, b):
    """Integer division rounding toward zero (C / TOSA / arith.divsi)."""
    q = np.abs(a) // np.abs(b)
    return np.where((a < 0) != (b < 0), -q, q)


def checked_div(fn):
    """A handler applying integer division `fn`, refusing a zero divisor
    (undefined in TOSA and arith; numpy would give 0 and a warning)."""

    def handler(op, args, dev):
        a, b = wide(args[0]), wide(args[1])
        if np.any(b == 0):
            raise SimError(f"'{op.name}': division by zero", op.location)
        return fn(a, b)

    return handler


def result_dtype(op: ir.Operation, i: int = 0) -> np.dtype:
    return np_dtype(op.results[i].type.element_type, op.location)


def attr_int(op: ir.Operation, name: str) -> int:
    return int(op.attributes[name].value)


def attr_ints(op: ir.Operation, name: str) -> list[int]:
    return [int(v) for v in op.attributes[name]]


def scalar(x) -> int | float:
    """The single element of a zero-point / shift / pad-const tensor."""
    return np.asarray(x).reshape(-1)[0].item()
