"""Which values an op's operands may take, and where random data must
respect that.

Random inputs and the pseudo-random fill of elided constants are fine for
most ops, but some operands have a domain: gather/scatter indices must lie in
[0, K), a rescale multiplier must be non-negative and its shift in the range
the TOSA spec REQUIREs, a zero point must be 0 for most types.  `OPERAND_DOMAINS`
is that knowledge, one entry per (op name, operand index); `input_domains`
walks back from every such operand through ops that only move values
(reshape, cast, transpose, slice, shard.shard, ...) to the function argument
or the data-less constant it comes from, so that `Domain.draw` can generate
values in the domain there.  An operand computed by anything else is left alone: its
values are what the program makes of its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autoshard.ir import ir
from autoshard.sim.values import SimError, fill_key


@dataclass(frozen=True)
class Domain:
    """Integers in [lo, hi] (inclusive), converted to the element type.
    `distinct_rows` = W: every row of W consecutive elements (row-major)
    holds distinct values, as TOSA requires of scatter indices."""

    lo: int
    hi: int
    why: str
    distinct_rows: int | None = None

    def intersect(self, other: "Domain", loc=None) -> "Domain":
        lo, hi = max(self.lo, other.lo), min(self.hi, other.hi)
        if lo > hi:
            raise SimError(f"no input satisfies both {self.why} [{self.lo}, {self.hi}] and "
                           f"{other.why} [{other.lo}, {other.hi}]", loc)
        rows = self.distinct_rows or other.distinct_rows
        return Domain(lo, hi, self.why if (lo, hi) == (self.lo, self.hi) else other.why, rows)

    def draw(self, shape, dtype: np.dtype, rng: np.random.Generator, loc=None) -> np.ndarray:
        """Random integers of the domain (clipped to what `dtype` holds), as `dtype`."""
        dtype = np.dtype(dtype)
        lo, hi = self.lo, self.hi
        if dtype.kind in "iu":
            info = np.iinfo(dtype)
            lo, hi = max(lo, int(info.min)), min(hi, int(info.max))
        elif dtype.kind == "b":
            lo, hi = max(lo, 0), min(hi, 1)
        if lo > hi:
            raise SimError(f"{self.why} [{self.lo}, {self.hi}] holds no {dtype} value", loc)
        shape = tuple(shape)
        w = self.distinct_rows
        size = int(np.prod(shape))
        if w and size % w == 0:
            if w > hi - lo + 1:
                raise SimError(f"{self.why}: {w} distinct values per row do not fit in [{lo}, {hi}]", loc)
            rows = [rng.permutation(hi - lo + 1)[:w] for _ in range(size // w)]
            values = (np.concatenate(rows) if rows else np.zeros(0, np.int64)) + lo
            return values.reshape(shape).astype(dtype)
        return rng.integers(lo, hi, size=shape, endpoint=True, dtype=np.int64).astype(dtype)


# --- op knowledge ---------------------------------------------------------------

# TOSA 1.0 apply_scale_32 / apply_scale_16: REQUIRE(multiplier >= 0) and
# REQUIRE(2 <= shift && shift <= 62); a scale of 1.0 is multiplier 1 << 30,
# shift 30 (32-bit) or 1 << 14, shift 14 (16-bit).  Multipliers are drawn
# normalized ([0.5, 1) x 2^30 or 2^14, as frontends compute them) and shifts
# so the scale lies in [2^-8, 1): results neither all saturate nor all vanish.
_SCALE32_MULTIPLIER = (1 << 30, (1 << 31) - 1)
_SCALE16_MULTIPLIER = (1 << 14, (1 << 15) - 1)
_SCALE32_SHIFT = (31, 38)
_SCALE16_SHIFT = (15, 22)


def _elem(value) -> ir.Type:
    return value.type.element_type


def _is_int(t: ir.Type, width: int | None = None) -> bool:
    return isinstance(t, ir.IntegerType) and (width is None or t.width == width)


def _flag(op, name: str) -> bool:
    return name in op.attributes and bool(op.attributes[name].value)


def _gather_indices(op):
    k = op.operands[0].type.shape[1]  # values [N, K, C]
    return Domain(0, k - 1, f"indices of 'tosa.gather' (K = {k})")


def _scatter_indices(op):
    k = op.operands[0].type.shape[1]  # values_in [N, K, C], indices [N, W]
    w = op.operands[1].type.shape[1]
    return Domain(0, k - 1, f"indices of 'tosa.scatter' (K = {k}, distinct in each row)", distinct_rows=w)


def _rescale_multiplier(op):
    lo, hi = _SCALE32_MULTIPLIER if _flag(op, "scale32") else _SCALE16_MULTIPLIER
    return Domain(lo, hi, "multiplier of 'tosa.rescale'")


def _rescale_shift(op):
    lo, hi = _SCALE32_SHIFT if _flag(op, "scale32") else _SCALE16_SHIFT
    return Domain(lo, hi, "shift of 'tosa.rescale'")


def _zero_point(data_operand: int, unsigned_flag: str | None = None):
    """TOSA: a zero point must be 0 unless its data is 8-bit (or unsigned
    16-bit for rescale); any value of the type is valid then."""

    def domain(op):
        if data_operand >= 0:
            elem = _elem(op.operands[data_operand])
        else:
            elem = _elem(op.results[0])
        if _is_int(elem, 8) or (unsigned_flag and _flag(op, unsigned_flag) and _is_int(elem, 16)):
            return None
        return Domain(0, 0, f"zero point of '{op.name}'")

    return domain


def _mul_shift(op):
    # TOSA MUL: shift in [0, 63] for i32 operands, 0 for every other type.
    if _is_int(_elem(op.operands[0]), 32):
        return Domain(0, 31, "shift of 'tosa.mul' (i32)")
    return Domain(0, 0, "shift of 'tosa.mul'")


def _table_input(op):
    # Any value indexes the table; the whole range of the type exercises all of it.
    elem = _elem(op.operands[0])
    if not _is_int(elem):
        return None
    return Domain(-(1 << (elem.width - 1)), (1 << (elem.width - 1)) - 1, "input of 'tosa.table'")


def _shift_amount(op):
    # TOSA shifts: REQUIRE(0 <= b && b <= width - 1) for a width-bit operand.
    elem = _elem(op.operands[0])
    if not _is_int(elem):
        return None
    return Domain(0, elem.width - 1, f"shift amount of '{op.name}'")


def _divisor(op):
    # TOSA INTDIV: REQUIRE(b != 0); the positive ones keep the range simple.
    return Domain(1, 4, "divisor of 'tosa.intdiv'")


OPERAND_DOMAINS = {
    ("tosa.gather", 1): _gather_indices,
    ("tosa.scatter", 1): _scatter_indices,
    ("tosa.rescale", 1): _rescale_multiplier,
    ("tosa.rescale", 2): _rescale_shift,
    ("tosa.rescale", 3): _zero_point(0, "input_unsigned"),
    ("tosa.rescale", 4): _zero_point(-1, "output_unsigned"),
    ("tosa.table", 0): _table_input,
    ("tosa.mul", 2): _mul_shift,
    ("tosa.intdiv", 1): _divisor,
    ("tosa.logical_left_shift", 1): _shift_amount,
    ("tosa.logical_right_shift", 1): _shift_amount,
    ("tosa.arithmetic_right_shift", 1): _shift_amount,
    ("tosa.matmul", 2): _zero_point(0),
    ("tosa.matmul", 3): _zero_point(1),
    ("tosa.conv2d", 3): _zero_point(0),
    ("tosa.conv2d", 4): _zero_point(1),
    ("tosa.conv3d", 3): _zero_point(0),
    ("tosa.conv3d", 4): _zero_point(1),
    ("tosa.depthwise_conv2d", 3): _zero_point(0),
    ("tosa.depthwise_conv2d", 4): _zero_point(1),
    ("tosa.transpose_conv2d", 3): _zero_point(0),
    ("tosa.transpose_conv2d", 4): _zero_point(1),
    ("tosa.avg_pool2d", 1): _zero_point(0),
    ("tosa.avg_pool2d", 2): _zero_point(-1),
    ("tosa.negate", 1): _zero_point(0),
    ("tosa.negate", 2): _zero_point(-1),
}

# Ops whose result holds only values of operand 0 (a domain holds for the
# operand if it holds for the result), and whether they keep the row-major
# order of the elements (needed for scatter's distinct rows).
_MOVES_VALUES = {
    "tosa.reshape": True,
    "tosa.cast": True,
    "tosa.identity": True,
    "shard.shard": True,
    "tosa.transpose": False,
    "tosa.slice": False,
    "tosa.tile": False,
    "tosa.reverse": False,
}


# --- analysis --------------------------------------------------------------------


@dataclass
class InputDomains:
    """`args`: argument index -> Domain; `constants`: fill key of a data-less
    constant (see values.fill_key) -> Domain."""

    args: dict
    constants: dict


def _source(value, block):
    """(kind, key, order_kept) of where `value`'s data comes from: ("arg", i),
    ("const", fill key), or None when an op computes it."""
    ordered = True
    while True:
        if isinstance(value, ir.BlockArgument):
            if value.owner == block:
                return "arg", value.arg_number, ordered
            return None
        op = value.owner
        name = op.name
        if name in _MOVES_VALUES:
            ordered = ordered and _MOVES_VALUES[name]
            value = op.operands[0]
            continue
        if name in ("tosa.const", "arith.constant"):
            attr = op.attributes["values" if name == "tosa.const" else "value"]
            key = fill_key(attr)
            return ("const", key, ordered) if key is not None else None
        return None


def _add(table: dict, key, domain: Domain, loc) -> None:
    table[key] = table[key].intersect(domain, loc) if key in table else domain


def input_domains(func_op) -> InputDomains:
    """The domains `func_op`'s arguments and data-less constants must be
    drawn from for every op of its body -- and of the functions it calls --
    to be well-defined."""
    return _domains(func_op, {})


def _domains(func_op, done: dict) -> InputDomains:
    name = func_op.attributes["sym_name"].value
    if name in done:  # None while in progress: a recursive call adds nothing new
        return done[name] or InputDomains({}, {})
    done[name] = None
    block = func_op.regions[0].blocks[0]
    out = InputDomains({}, {})
    for opview in block.operations:
        op = opview.operation
        needs = []
        for i in range(len(op.operands)):
            rule = OPERAND_DOMAINS.get((op.name, i))
            domain = rule(op) if rule is not None else None
            if domain is not None:
                needs.append((i, domain))
        if op.name == "func.call":
            callee = _callee(func_op, op.attributes["callee"].value)
            if callee is not None:
                inner = _domains(callee, done)
                for key, domain in inner.constants.items():
                    _add(out.constants, key, domain, op.location)
                needs.extend(inner.args.items())
        for i, domain in needs:
            src = _source(op.operands[i], block)
            if src is None:
                continue
            kind, key, ordered = src
            if domain.distinct_rows is not None and not ordered:
                # Rows of the operand are not rows of the source: only the
                # range can be arranged there.
                domain = Domain(domain.lo, domain.hi, domain.why)
            _add(out.args if kind == "arg" else out.constants, key, domain, op.location)
    done[name] = out
    return out


def _callee(func_op, name: str):
    for op in func_op.parent.regions[0].blocks[0].operations:
        op = op.operation
        if op.name == "func.func" and op.attributes["sym_name"].value == name and op.regions[0].blocks:
            return op
    return None
