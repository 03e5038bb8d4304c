"""The `arith` and `math` ops that linalg bodies compute with, elementwise on
scalars or arrays (a body is evaluated vectorised over its iteration space,
sim/linalg_ops.py).  Results are wide (float64 / int64); casts to narrower
integers wrap where the caller rounds to the declared type."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autoshard.sim.helpers import binary, checked_div, wide
from autoshard.sim.registry import local

_erf: Any = np.frompyfunc(math.erf, 1, 1)


def _unary(fn):
    return lambda op, args, dev: fn(wide(args[0]))


for _name, _fn in {
    "arith.maximumf": np.maximum,  # NaN-propagating, as arith.maximumf
    "arith.minimumf": np.minimum,
    "arith.maxnumf": np.fmax,  # NaN-ignoring, as arith.maxnumf
    "arith.minnumf": np.fmin,
    "arith.remf": np.fmod,
    "arith.andi": np.bitwise_and,
    "arith.ori": np.bitwise_or,
    "arith.xori": np.bitwise_xor,
    "arith.shli": np.left_shift,
    "arith.shrsi": np.right_shift,
    "math.powf": np.power,
    "math.atan2": np.arctan2,
    "math.copysign": np.copysign,
}.items():
    local(_name)(binary(_fn))

local("arith.divui")(checked_div(np.floor_divide))
local("arith.remui")(checked_div(lambda a, b: a - np.floor_divide(a, b) * b))

_UNARY: dict[str, Any] = {
    "arith.negf": np.negative,
    "math.absf": np.abs,
    "math.absi": np.abs,
    "math.exp": np.exp,
    "math.exp2": np.exp2,
    "math.expm1": np.expm1,
    "math.log": np.log,
    "math.log2": np.log2,
    "math.log10": np.log10,
    "math.log1p": np.log1p,
    "math.sqrt": np.sqrt,
    "math.rsqrt": lambda x: 1.0 / np.sqrt(x),
    "math.tanh": np.tanh,
    "math.sin": np.sin,
    "math.cos": np.cos,
    "math.tan": np.tan,
    "math.atan": np.arctan,
    "math.ceil": np.ceil,
    "math.floor": np.floor,
    "math.round": lambda x: np.where(x >= 0, np.floor(x + 0.5), np.ceil(x - 0.5)),
    "math.roundeven": np.rint,
    "math.trunc": np.trunc,
    "math.erf": lambda x: _erf(x).astype(np.float64),
    # Value-preserving casts (the caller rounds to the result type).
    "arith.extf": lambda x: x,
    "arith.truncf": lambda x: x,
    "arith.extsi": lambda x: x,
    "arith.trunci": lambda x: x,
    "arith.sitofp": lambda x: x.astype(np.float64),
    "arith.fptosi": lambda x: np.trunc(x).astype(np.int64),
    "arith.index_castui": lambda x: x,
}
for _name, _fn in _UNARY.items():
    local(_name)(_unary(_fn))


@local("arith.extui")
def _extui(op, args, dev):
    x = np.asarray(args[0])
    width = op.operands[0].type.width
    return wide(x) & ((1 << width) - 1) if x.dtype != np.bool_ else x.astype(np.int64)


@local("arith.uitofp")
def _uitofp(op, args, dev):
    width = op.operands[0].type.width
    return (wide(args[0]) & ((1 << width) - 1)).astype(np.float64)


@local("math.fma")
def _fma(op, args, dev):
    return wide(args[0]) * wide(args[1]) + wide(args[2])


# arith.cmpf predicates by their integer value: false, oeq, ogt, oge, olt,
# ole, one, ord, ueq, ugt, uge, ult, ule, une, uno, true.
def _cmpf_table(a, b):
    unordered = np.isnan(a) | np.isnan(b)
    return [
        np.zeros_like(unordered), (a == b), (a > b), (a >= b), (a < b), (a <= b),
        (a != b) & ~unordered, ~unordered,
        (a == b) | unordered, (a > b) | unordered, (a >= b) | unordered, (a < b) | unordered,
        (a <= b) | unordered, (a != b), unordered, np.ones_like(unordered),
    ]


@local("arith.cmpf")
def _cmpf(op, args, dev):
    a, b = np.asarray(wide(args[0]), dtype=np.float64), np.asarray(wide(args[1]), dtype=np.float64)
    return _cmpf_table(a, b)[int(op.attributes["predicate"].value)]
