"""What a simulation would need, known from the types before anything runs.

The interpreter keeps every value of a function until it returns, on every
simulated device, so a run needs about the sum of its values' bytes times
the number of devices.  `check_runs` estimates that from the types alone
and refuses, with a located error naming the largest value and its bytes,
a run that would not fit the memory limit, an element type the simulator
cannot hold, or a constant too large for the bindings to hand to numpy
(they crash on 2^31 elements and more).  Nothing is allocated before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from autoshard.ir import ir
from autoshard.sim.values import SimError, np_dtype
from autoshard.units import format_bytes

# 20 GiB: what a 24 GiB machine can give one simulation with room left for
# the process, the module and the solver.
DEFAULT_SIM_MEMORY_LIMIT = 20 << 30
# The bindings' buffer protocol indexes elements with 32-bit integers.
MAX_CONSTANT_ELEMENTS = (1 << 31) - 1
_CONSTANT_OPS = ("tosa.const", "arith.constant")
# Ops whose result is their operand itself in the simulator (no new array).
_ALIASING_OPS = ("shard.shard",)


@dataclass(frozen=True)
class Value:
    """One value of the program, as the estimate sees it."""

    what: str
    type: str
    bytes: int
    loc: object


@dataclass(frozen=True)
class Footprint:
    total: int  # bytes on one device
    largest: Value | None


def value_bytes(t: ir.Type, what: str, loc, wide_floats: bool = False) -> int:
    """Bytes the simulator needs for a value of type `t` (exact integers,
    so no size overflows); located SimError for what it cannot hold."""
    if not isinstance(t, ir.RankedTensorType):
        return 0  # !shard.sharding, !tosa.shape, index scalars: a few bytes
    dtype = np_dtype(t.element_type, loc)
    itemsize = 8 if wide_floats and dtype.kind == "f" else dtype.itemsize
    count = 1
    for d in t.shape:
        if d < 0:
            return 0  # dynamic: the simulator refuses it itself, with a message
        count *= int(d)
    return count * itemsize


def function_footprint(module, fn, wide_floats: bool = False, _active=None) -> Footprint:
    """Bytes of every argument and result in `fn` and the functions it calls."""
    active = set() if _active is None else _active
    name = ir.StringAttr(fn.attributes["sym_name"]).value
    if name in active or not fn.regions[0].blocks:
        return Footprint(0, None)  # recursion is refused by the interpreter; declarations hold nothing
    active.add(name)
    total, largest = 0, None

    def add(v: Value) -> None:
        nonlocal total, largest
        total += v.bytes
        if largest is None or v.bytes > largest.bytes:
            largest = v

    block = fn.regions[0].blocks[0]
    for i, arg in enumerate(block.arguments):
        what = f"argument #{i} of @{name}"
        add(Value(what, str(arg.type), value_bytes(arg.type, what, arg.location, wide_floats), arg.location))
    for opview in block.operations:
        op = opview.operation
        _check_constant(op)
        if op.name in _ALIASING_OPS:
            continue
        for i, res in enumerate(op.results):
            what = f"'{op.name}' result #{i}" if len(op.results) > 1 else f"the result of '{op.name}'"
            add(Value(what, str(res.type), value_bytes(res.type, what, op.location, wide_floats), op.location))
        if op.name == "func.call":
            callee = _lookup(module, ir.FlatSymbolRefAttr(op.attributes["callee"]).value)
            if callee is not None:
                inner = function_footprint(module, callee, wide_floats, active)
                total += inner.total
                if inner.largest is not None and (largest is None or inner.largest.bytes > largest.bytes):
                    largest = inner.largest
    active.discard(name)
    return Footprint(total, largest)


def check_runs(runs, limit: int | None, wide_floats: bool = False) -> int:
    """Raises a located SimError if the simulations `runs` ((module, func
    op, number of devices) each, all held in memory at once) would need
    more than `limit` bytes (None: no limit); returns the bytes needed."""
    need, largest, devices_of_largest = 0, None, 1
    for module, fn, devices in runs:
        footprint = function_footprint(module, fn, wide_floats)
        need += footprint.total * devices
        if footprint.largest is not None and (largest is None or footprint.largest.bytes > largest.bytes):
            largest, devices_of_largest = footprint.largest, devices
    if limit is not None and need > limit and largest is not None:
        per = f" on each of {devices_of_largest} devices" if devices_of_largest > 1 else ""
        raise SimError(
            f"the simulation would need {format_bytes(need)} ({need} bytes), over the limit of "
            f"{format_bytes(limit)} (option sim-memory-limit); the largest value is {largest.what} of type "
            f"{largest.type}: {format_bytes(largest.bytes)} ({largest.bytes} bytes){per}",
            largest.loc,
        )
    return need


def _check_constant(op) -> None:
    if op.name not in _CONSTANT_OPS:
        return
    for key in ("values", "value"):
        if key in op.attributes:
            t = op.attributes[key].type
            if isinstance(t, ir.RankedTensorType) and all(d >= 0 for d in t.shape):
                count = 1
                for d in t.shape:
                    count *= int(d)
                if count > MAX_CONSTANT_ELEMENTS:
                    raise SimError(f"'{op.name}' holds {count} elements; the simulator takes constants of at "
                                   f"most {MAX_CONSTANT_ELEMENTS} (2^31 - 1) elements", op.location)


def _lookup(module, name: str):
    for op in module.body.operations:
        op = op.operation
        if op.name == "func.func" and ir.StringAttr(op.attributes["sym_name"]).value == name:
            return op
    return None
