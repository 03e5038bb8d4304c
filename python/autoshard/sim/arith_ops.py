"""The few `arith` ops partitioned programs use for index arithmetic
(offsets from `shard.process_multi_index`), on scalars or tensors."""

from __future__ import annotations

import numpy as np

from autoshard.ir import ir
from autoshard.sim.helpers import binary, checked_div, trunc_div, wide
from autoshard.sim.registry import local
from autoshard.sim.values import elements_attr_value


@local("arith.constant")
def _constant(op, args, dev):
    attr = op.attributes["value"]
    if isinstance(attr, (ir.IntegerAttr, ir.FloatAttr)):
        return attr.value
    return elements_attr_value(attr, op.results[0].type, op.location, dev.module)


for _name, _fn in {
    "arith.addi": np.add,
    "arith.subi": np.subtract,
    "arith.muli": np.multiply,
    "arith.minsi": np.minimum,
    "arith.maxsi": np.maximum,
    "arith.addf": np.add,
    "arith.subf": np.subtract,
    "arith.mulf": np.multiply,
    "arith.divf": np.divide,
}.items():
    local(_name)(binary(_fn))

local("arith.divsi")(checked_div(trunc_div))
local("arith.remsi")(checked_div(lambda a, b: a - trunc_div(a, b) * b))
local("arith.floordivsi")(checked_div(np.floor_divide))
local("arith.ceildivsi")(checked_div(lambda a, b: -np.floor_divide(-a, b)))


# arith.cmpi predicates, by their integer value (eq, ne, slt, sle, sgt, sge,
# ult, ule, ugt, uge); unsigned ones compare the values as they are, which
# is right for the non-negative indices partitioned programs compare.
_CMPI = [np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
         np.less, np.less_equal, np.greater, np.greater_equal]


@local("arith.cmpi")
def _cmpi(op, args, dev):
    return _CMPI[int(op.attributes["predicate"].value)](wide(args[0]), wide(args[1]))


@local("arith.select")
def _select(op, args, dev):
    return np.where(args[0], wide(args[1]), wide(args[2]))


@local("arith.index_cast")
def _index_cast(op, args, dev):
    return wide(args[0])
