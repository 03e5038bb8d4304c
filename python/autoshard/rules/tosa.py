"""Sharding rules for TOSA (LLVM 22 form) and the few non-TOSA ops in scope.

Adding an op is one entry in RULES: a function OpInfo -> FactorRule | None.
"""

from __future__ import annotations

from dataclasses import replace
from math import gcd
from typing import Callable

from autoshard.rules.factor import Factor, FactorRule, OpInfo, numel
from autoshard.rules.linalg import RULES as LINALG_RULES
from autoshard.rules.linalg import structured
from autoshard.rules.tosa_data import RULES as DATA_RULES
from autoshard.rules.tosa_nn import RULES as NN_RULES

UNARY = (
    "abs", "bitwise_not", "ceil", "clz", "cos", "exp", "floor", "log", "logical_not",
    "negate", "reciprocal", "rsqrt", "sin", "erf", "sigmoid", "tanh", "clamp", "cast", "identity",
)
BINARY = (
    "add", "sub", "mul", "maximum", "minimum", "pow", "equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
    "intdiv", "arithmetic_right_shift", "logical_left_shift", "logical_right_shift",
)
TERNARY = ("select",)
# How many leading operands carry data; the rest (shift, zero points) are
# tiny, never sharded, and passed through as they are.
_DATA_OPERANDS = {"mul": 2, "negate": 1}


def elementwise(op: OpInfo) -> FactorRule | None:
    """One parallel factor per result dimension; an operand dimension of size
    1 against a larger result dimension is a broadcast and is never split."""
    out = op.results[0]
    if out is None:
        return None
    n_data = _DATA_OPERANDS.get(op.name.removeprefix("tosa."), len(op.operands))
    factors = tuple(Factor(f"d{d}", s) for d, s in enumerate(out.shape))
    operands: list[tuple[int | None, ...] | None] = []
    for i, t in enumerate(op.operands):
        if i >= n_data or t is None or len(t.shape) != len(out.shape):
            operands.append(None)
            continue
        operands.append(tuple(d if t.shape[d] == out.shape[d] else None for d in range(len(out.shape))))
    return FactorRule(factors, tuple(operands), (tuple(range(len(out.shape))),), numel(out.shape))


def source(op: OpInfo) -> FactorRule | None:
    """A constant: any layout can be materialized locally, at no compute."""
    out = op.results[0]
    if out is None:
        return None
    factors = tuple(Factor(f"d{d}", s) for d, s in enumerate(out.shape))
    return FactorRule(factors, (), (tuple(range(len(out.shape))),), 0)


def matmul(op: OpInfo) -> FactorRule | None:
    """tosa.matmul a[B,M,K] x b[B,K,N] (+ two zero points) -> c[B,M,N];
    K is a sum reduction: splitting it leaves partial sums."""
    a, b = op.operands[0], op.operands[1]
    if a is None or b is None or len(a.shape) != 3 or len(b.shape) != 3:
        return None
    (B, M, K), N = a.shape, b.shape[2]
    factors = (Factor("batch", B), Factor("m", M), Factor("n", N), Factor("k", K, reduction="sum"))
    operands = ((0, 1, 3), (0, 3, 2)) + (None,) * (len(op.operands) - 2)
    return FactorRule(factors, operands, ((0, 1, 2),), 2 * B * M * N * K)


def transpose(op: OpInfo) -> FactorRule | None:
    """One factor per result dimension d, read from operand dimension perms[d]."""
    out, x = op.results[0], op.operands[0]
    perms = op.attr("perms")
    if out is None or x is None or perms is None or len(perms) != len(out.shape):
        return None
    factors = tuple(Factor(f"d{d}", s) for d, s in enumerate(out.shape))
    operand: list[int | None] = [None] * len(x.shape)
    for d, p in enumerate(perms):
        operand[p] = d
    return FactorRule(factors, (tuple(operand),), (tuple(range(len(out.shape))),), 0)


def reduction(kind: str):
    """tosa.reduce_*: the reduced axis is a reduction factor (splitting it
    leaves `kind` partials); the result keeps it as a size-1 dimension."""

    def rule(op: OpInfo) -> FactorRule | None:
        x, out = op.operands[0], op.results[0]
        axis = op.attr("axis")
        if x is None or out is None or axis is None or not 0 <= axis < len(x.shape):
            return None
        factors = tuple(
            Factor(f"d{d}", s, reduction=kind if d == axis else None) for d, s in enumerate(x.shape)
        )
        result = tuple(None if d == axis else d for d in range(len(x.shape)))
        return FactorRule(factors, (tuple(range(len(x.shape))),), (result,), numel(x.shape))

    return rule


def _reshape_groups(a, b) -> list[tuple[list[int], list[int]]] | None:
    """Minimal runs of input and output dimensions with equal products."""
    groups, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        pa, pb, ia, jb = a[i], b[j], [i], [j]
        i, j = i + 1, j + 1
        while pa != pb:
            if pa < pb and i < len(a):
                pa, i = pa * a[i], i + 1
                ia.append(i - 1)
            elif pb < pa and j < len(b):
                pb, j = pb * b[j], j + 1
                jb.append(j - 1)
            else:
                return None
        groups.append((ia, jb))
    if any(s != 1 for s in list(a[i:]) + list(b[j:])):
        return None
    return groups


def reshape(op: OpInfo) -> FactorRule | None:
    """tosa.reshape: in each run of dimensions that reshape merges or splits,
    only the major-most dimensions can stay split, and only by a divisor of
    both: cutting the flattened run into n contiguous pieces is cutting its
    first input dimension, and its first output dimension, into n pieces."""
    x, out = op.operands[0], op.results[0]
    if x is None or out is None or any(s < 0 for s in x.shape + out.shape):
        return None
    groups = _reshape_groups(x.shape, out.shape)
    if groups is None:
        return None
    factors: list[Factor] = []
    operand: list[int | None] = [None] * len(x.shape)
    result: list[int | None] = [None] * len(out.shape)
    for ia, jb in groups:
        i0 = next((i for i in ia if x.shape[i] > 1), None)
        j0 = next((j for j in jb if out.shape[j] > 1), None)
        if i0 is None or j0 is None:
            continue
        operand[i0] = result[j0] = len(factors)
        factors.append(Factor(f"d{j0}", gcd(x.shape[i0], out.shape[j0])))
    return FactorRule(tuple(factors), (tuple(operand), None), (tuple(result),), 0)


def rescale(op: OpInfo) -> FactorRule | None:
    """Elementwise; a per-channel multiplier and shift ([C], C the last
    dimension) are split alongside the channels; zero points never."""
    rule = elementwise(OpInfo(op.name, op.operands[:1], op.results))
    x = op.operands[0]
    if rule is None or x is None or not x.shape:
        return None
    last = len(x.shape) - 1
    per_channel = tuple(
        (last,) if t is not None and t.shape == (x.shape[-1],) and x.shape[-1] > 1 else None
        for t in op.operands[1:3]
    )
    return FactorRule(rule.factors, rule.operands + per_channel + (None,) * (len(op.operands) - 3),
                      rule.results, rule.flops)


def table(op: OpInfo) -> FactorRule | None:
    """Elementwise lookup; every device keeps the whole table."""
    rule = elementwise(OpInfo(op.name, op.operands[:1], op.results))
    if rule is None:
        return None
    return FactorRule(rule.factors, rule.operands + (None,), rule.results, rule.flops)


RULES: dict[str, Callable[[OpInfo], FactorRule | None]] = {
    **NN_RULES,
    **DATA_RULES,
    **LINALG_RULES,
    "tosa.rescale": rescale,
    "tosa.table": table,
    # On i1: all = min, any = max, so a split axis leaves min / max partials.
    "tosa.reduce_all": reduction("min"),
    "tosa.reduce_any": reduction("max"),
    "tosa.reshape": reshape,
    "tosa.matmul": matmul,
    "tosa.transpose": transpose,
    "tosa.reduce_sum": reduction("sum"),
    "tosa.reduce_max": reduction("max"),
    "tosa.reduce_min": reduction("min"),
    "tosa.reduce_product": reduction("product"),
    "tosa.const": source,
    **{f"tosa.{n}": elementwise for n in UNARY + BINARY + TERNARY},
}


# Dense layers (for baselines such as Megatron): the factor names of the
# output features, the contracted input features, and the batch-like
# factors, major first.  TFLite writes a dense layer as a 1x1 conv2d.
DENSE_LAYERS = {
    "tosa.matmul": ("n", "k", ("batch", "m")),
    "tosa.conv2d": ("oc", "ic", ("n", "oh", "ow")),
    # linalg factors are named by loop: matmul (m, n, k), batch_matmul (b, m, n, k).
    "linalg.matmul": ("d1", "d2", ("d0",)),
    "linalg.batch_matmul": ("d2", "d3", ("d0", "d1")),
}


def dense_roles(name: str) -> tuple[str, str, tuple[str, ...]] | None:
    return DENSE_LAYERS.get(name)


def rule_for(op: OpInfo) -> FactorRule | None:
    if op.structured is not None:
        # Every linalg structured op, from its maps; their local form (inits
        # on local shapes, a masked init for split sums) is written for even
        # blocks only.
        rule = structured(op)
        return replace(rule, plain_local=False) if rule is not None else None
    fn = RULES.get(op.name)
    rule = fn(op) if fn else None
    if rule is not None and op.name in _OWN_LOCAL_FORM:
        # Their SPMD form computes shapes or offsets from even blocks.
        rule = replace(rule, plain_local=False)
    return rule


def _own_local_form() -> frozenset:
    from autoshard.rules.local import LOWERINGS

    return frozenset(LOWERINGS)


_OWN_LOCAL_FORM = _own_local_form()
