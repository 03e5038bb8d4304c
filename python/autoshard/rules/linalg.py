"""One factor rule for every linalg structured op on tensors (linalg.generic
and the named ops: matmul, batch_matmul, matvec, fill, reduce, broadcast,
transpose, map, elementwise, ...), read from its indexing maps, iterator
types and scalar body (`OpInfo.structured`, see graph/structured.py), as
upstream's ShardingInterface does for linalg:

- each loop is a factor; an operand dimension indexed by a loop (a map
  result that is a single loop dimension) carries that factor;
- a parallel loop is split only if every output is indexed by it (else the
  outputs would be computed by part of the grid only);
- a reduction loop is split only if every output's body combines its
  accumulator with one recognised combiner (`out = out + f(ins)`: add, mul,
  max, min; or/and on i1), the same for all outputs: splitting it leaves
  partials of that kind.  The init then must enter the sum once: see
  rules/local.py (`_structured`);
- loops read inside non-trivial map expressions (d0 + d1, 2 * d0) or by
  `linalg.index` are never split: a device's local indices would not be the
  global ones; operand dimensions with such expressions are never split.

`tensor.pad` (whose region yields the pad value) splits its unpadded
dimensions.

Flops are the iteration space times the compute ops of the body (a matmul:
mul + add = 2 per point, tosa.matmul's 2*B*M*N*K).  Traffic counts an init
only when the body reads it and it is not the constant of a `linalg.fill`;
a fill that only initialises structured ops is their accumulator's start
and moves nothing (as tosa.matmul's implicit zero init does not).
"""

from __future__ import annotations

from typing import Callable

from autoshard.rules.factor import Factor, FactorRule, OpInfo, StructuredInfo, numel

# Combiner op -> the partial kind a split reduction leaves.
COMBINERS = {
    "arith.addf": "sum", "arith.addi": "sum",
    "arith.mulf": "product", "arith.muli": "product",
    "arith.maximumf": "max", "arith.maxnumf": "max", "arith.maxsi": "max",
    "arith.minimumf": "min", "arith.minnumf": "min", "arith.minsi": "min",
}
BOOL_COMBINERS = {"arith.ori": "max", "arith.andi": "min"}  # on i1
# Body ops that compute nothing per point.
_FREE = ("arith.constant", "linalg.index")
# Partials whose init must be added once (max/min are idempotent).
IDENTITY = {"sum": 0, "product": 1}


def _depends_on(s: StructuredInfo, ref, arg: int) -> bool:
    kind, j = ref
    if kind == "arg":
        return j == arg
    if kind != "op":
        return False
    return any(_depends_on(s, r, arg) for r in s.body[j][1])


def _uses(s: StructuredInfo, arg: int) -> int:
    return sum(r == ("arg", arg) for _, refs, _ in s.body for r in refs) + sum(r == ("arg", arg) for r in s.yielded)


def combiner(s: StructuredInfo, i: int, dtype: str) -> str | None:
    """The partial kind of output i's body (`yield comb(out_i, x)` with x
    independent of out_i, and out_i used only there), or None."""
    arg = s.n_inputs + i
    if i >= len(s.yielded) or s.yielded[i][0] != "op" or _uses(s, arg) != 1:
        return None
    j = s.yielded[i][1]
    assert j is not None  # an "op" ref names its op
    name, refs, _ = s.body[j]
    kind = COMBINERS.get(name) or (BOOL_COMBINERS.get(name) if dtype == "i1" else None)
    if kind is None or len(refs) != 2 or ("arg", arg) not in refs:
        return None
    other = refs[1] if refs[0] == ("arg", arg) else refs[0]
    return None if _depends_on(s, other, arg) else kind


def reads_init(s: StructuredInfo, i: int) -> bool:
    return _uses(s, s.n_inputs + i) > 0


def reduction_kind(op: OpInfo) -> str | None:
    """The one partial kind every output's combiner leaves, or None."""
    s = op.structured
    assert s is not None
    kinds = {combiner(s, i, t.dtype if t is not None else "") for i, t in enumerate(op.results)}
    return kinds.pop() if len(kinds) == 1 else None


def structured(op: OpInfo) -> FactorRule | None:
    s = op.structured
    if s is None or any(t is None for t in op.results):
        return None
    out_maps = s.maps[s.n_inputs:]
    kind = reduction_kind(op) if "reduction" in s.iterators else None
    index_loops = {extra for name, _, extra in s.body if name == "linalg.index"}
    factors: list[Factor] = []
    factor_of: dict[int, int] = {}
    for d, (size, it) in enumerate(zip(s.loop_sizes, s.iterators)):
        if d in s.expression_loops or d in index_loops:
            continue
        if it == "parallel" and not all(d in m for m in out_maps):
            continue
        if it == "reduction" and kind is None:
            continue
        factor_of[d] = len(factors)
        factors.append(Factor(f"d{d}", size, reduction=kind if it == "reduction" else None))

    def dims(k: int) -> tuple[int | None, ...] | None:
        if op.operands[k] is None:
            return None  # a scalar (fill's value)
        return tuple(factor_of.get(d) if d is not None else None for d in s.maps[k])

    operands = tuple(dims(k) for k in range(len(op.operands)))
    results = tuple(tuple(factor_of.get(d) if d is not None else None for d in m) for m in out_maps)
    compute_ops = sum(name not in _FREE for name, _, _ in s.body)
    read = tuple(k for k in range(s.n_inputs)) + tuple(
        s.n_inputs + i for i in range(len(op.results))
        if reads_init(s, i) and (i >= len(s.init_fills) or s.init_fills[i] is None))
    return FactorRule(tuple(factors), operands, results, numel(s.loop_sizes) * compute_ops,
                      read_operands=read, writes_results=not s.fused_fill)


def empty(op: OpInfo) -> FactorRule | None:
    """tensor.empty: any layout, allocated in place; it moves no bytes."""
    out = op.results[0]
    if out is None:
        return None
    factors = tuple(Factor(f"d{d}", s) for d, s in enumerate(out.shape))
    return FactorRule(factors, (None,) * len(op.operands), (tuple(range(len(out.shape))),), 0,
                      read_operands=(), writes_results=False)


_DYNAMIC = -9223372036854775808  # ShapedType::kDynamic in static_low / static_high


def pad(op: OpInfo) -> FactorRule | None:
    """tensor.pad (what tosa-to-linalg pads convolutions with): a dimension
    padded by nothing is a parallel factor; padded ones are never split (the
    edge devices alone would pad)."""
    x, out = op.operands[0], op.results[0]
    low, high = op.attr("static_low"), op.attr("static_high")
    if x is None or out is None or low is None or high is None:
        return None
    factors: list[Factor] = []
    dims: list[int | None] = []
    for d, (lo, hi) in enumerate(zip(low, high)):
        if lo == 0 and hi == 0:
            dims.append(len(factors))
            factors.append(Factor(f"d{d}", out.shape[d]))
        else:
            dims.append(None)
    return FactorRule(tuple(factors), (tuple(dims),) + (None,) * (len(op.operands) - 1), (tuple(dims),), 0)


RULES: dict[str, Callable[[OpInfo], FactorRule | None]] = {
    "tensor.empty": empty,
    "tensor.pad": pad,
}
