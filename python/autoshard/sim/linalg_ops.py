"""linalg structured ops on tensors (linalg.generic and every named op),
`tensor.empty` and `tensor.pad`.

An op is a loop nest; its body is evaluated vectorised over the iteration
space: each operand is indexed by its map into an array broadcastable to the
loop shape (dims it does not use have size 1), the body's arith/math ops run
with numpy broadcasting (sim/scalar_ops.py), and the reduction loops are
folded:
- where every output's body is `out = comb(out, x)` (add, mul, max, min; the
  combiners rules/linalg.py recognises), x is computed over the whole space
  and reduced with comb's ufunc, then combined with the init; a sum of
  products of inputs (matmul, matvec, batch_matmul, dot, a contraction
  generic) is one `np.einsum` instead, never broadcast;
- otherwise the reduction points are visited one after another in order,
  each a vectorised step over the parallel loops.
Integer intermediates wrap to their type; floats stay wide (the interpreter
rounds the op's results).  tensor.empty reads as zeros (its contents are
undefined; both programs the verifier compares read the same zeros).
"""

from __future__ import annotations

import itertools

import numpy as np

from autoshard.ir import ir
from autoshard.ir import linalg as L
from autoshard.sim.helpers import result_dtype, wide
from autoshard.sim.registry import LOCAL, local
from autoshard.sim.values import SimError, np_dtype

_UFUNCS = {"sum": np.add, "product": np.multiply, "max": np.maximum, "min": np.minimum}
_COMBINERS = {
    "arith.addf": "sum", "arith.addi": "sum", "arith.mulf": "product", "arith.muli": "product",
    "arith.maximumf": "max", "arith.maxnumf": "max", "arith.maxsi": "max",
    "arith.minimumf": "min", "arith.minnumf": "min", "arith.minsi": "min",
    "arith.ori": "max", "arith.andi": "min",
}
_VALUE_CASTS = ("arith.extf", "arith.extsi", "arith.sitofp")
_DYNAMIC = -9223372036854775808  # ShapedType::kDynamic


@local("tensor.empty")
def _empty(op, args, dev):
    t = op.results[0].type
    if any(s < 0 for s in t.shape):
        dims = iter(int(a) for a in args)
        shape = [s if s >= 0 else next(dims) for s in t.shape]
    else:
        shape = list(t.shape)
    return np.zeros(shape, dtype=result_dtype(op))


def _expr(e, sizes, n):
    """An affine expression of the loops as an int or an int array
    broadcastable to the loop shape."""
    if isinstance(e, ir.AffineDimExpr):
        shape = [1] * n
        shape[e.position] = sizes[e.position]
        return np.arange(sizes[e.position]).reshape(shape)
    if isinstance(e, ir.AffineConstantExpr):
        return e.value
    if isinstance(e, ir.AffineBinaryExpr):
        a, b = _expr(e.lhs, sizes, n), _expr(e.rhs, sizes, n)
        if isinstance(e, ir.AffineAddExpr):
            return a + b
        if isinstance(e, ir.AffineMulExpr):
            return a * b
        if isinstance(e, ir.AffineModExpr):
            return np.mod(a, b)
        if isinstance(e, ir.AffineFloorDivExpr):
            return np.floor_divide(a, b)
        if isinstance(e, ir.AffineCeilDivExpr):
            return -np.floor_divide(-a, b)
    raise SimError(f"affine expression {e} is not simulated")


def _loop_sizes(op, maps, args) -> list[int]:
    sizes: list[int | None] = [None] * maps[0].n_dims
    for x, m in zip(args, maps):
        shape = np.shape(x)
        for extent, d in zip(shape, L.map_dims(m)):
            if d is not None:
                sizes[d] = extent
    if any(s is None for s in sizes):
        raise SimError(f"'{op.name}': a loop's size is not the size of any operand dimension", op.location)
    return [int(s) for s in sizes if s is not None]


def _in_loop_space(x, m, sizes):
    """Operand x read through map m: an array broadcastable to the loops
    (a view where every map result is a distinct loop)."""
    x = np.asarray(x)
    if x.ndim == 0 or not len(m.results):
        return wide(x)
    dims = [d for d in L.map_dims(m) if d is not None]
    if len(dims) == len(m.results) and len(set(dims)) == len(dims):
        order = sorted(range(len(dims)), key=lambda j: dims[j])
        shape = [1] * len(sizes)
        for j in order:
            shape[dims[j]] = x.shape[j]
        return wide(np.transpose(x, order).reshape(shape))
    index = tuple(np.asarray(_expr(e, sizes, len(sizes))) for e in m.results)
    return wide(x[index])


def _to_output(v, m, sizes, dtype, op):
    """A loop-space array (reduction loops folded to size 1) as the output
    indexed by map m (a permutation of the loops it names)."""
    dims = [d for d in L.map_dims(m) if d is not None]
    if len(dims) != len(m.results):
        raise SimError(f"'{op.name}': an output map with non-trivial expressions is not simulated", op.location)
    full = [sizes[d] if d in dims else 1 for d in range(len(sizes))]
    v = np.broadcast_to(v, full).reshape([sizes[d] for d in range(len(sizes)) if d in dims])
    order = sorted(dims)
    v = np.transpose(v, [order.index(d) for d in dims])
    return v.astype(dtype) if dtype.kind in "iub" else v


def _owner(v):
    owner = v.owner
    return owner if isinstance(owner, ir.Operation) else getattr(owner, "operation", None)


def _value(env: dict, v, op, dev):
    """v in the body's environment, or a constant the region captured from
    outside the op (the only outer values a handler can evaluate)."""
    if v in env:
        return env[v]
    owner = _owner(v)
    if isinstance(owner, ir.Operation) and owner.name == "arith.constant":
        return LOCAL["arith.constant"](owner, [], dev)
    raise SimError(f"the region of '{op.name}' uses a value from outside that is not a constant", op.location)


@local("tensor.pad")
def _pad(op, args, dev):
    block = op.regions[0].blocks[0]
    ops = [b.operation for b in block.operations]
    pad_value = ops[-1].operands[0]
    if pad_value in list(block.arguments) or any(pad_value in list(b.results) and b.name != "arith.constant"
                                                  for b in ops[:-1]):
        raise SimError("'tensor.pad' with a pad value computed from the indices is not simulated", op.location)
    inside = next((b for b in ops[:-1] if pad_value in list(b.results)), None)
    value = LOCAL["arith.constant"](inside, [], dev) if inside is not None else _value({}, pad_value, op, dev)
    seg = [int(v) for v in op.attributes["operandSegmentSizes"]]
    dynamic = iter(int(a) for a in args[1:])
    low = [int(v) for v in op.attributes["static_low"]]
    high = [int(v) for v in op.attributes["static_high"]]
    low = [next(dynamic) if v == _DYNAMIC else v for v in low]
    high = [next(dynamic) if v == _DYNAMIC else v for v in high]
    assert sum(seg[1:]) == len(args) - 1
    x = np.asarray(args[0])
    return np.pad(wide(x), list(zip(low, high)), constant_values=value)


class _Body:
    """The region of one op, evaluated on loop-space arrays."""

    def __init__(self, op, dev, sizes):
        self.op = op
        self.dev = dev
        self.sizes = sizes
        block = op.regions[0].blocks[0]
        self.args = list(block.arguments)
        self.ops = [b.operation for b in block.operations]
        self.yielded = list(self.ops[-1].operands)
        self.ops = self.ops[:-1]

    def run(self, env: dict, wanted) -> list:
        env = dict(env)
        for b in self.ops:
            if all(r in env for r in b.results):
                continue
            env[b.results[0]] = self._one(b, [_value(env, v, self.op, self.dev) for v in b.operands])
        return [_value(env, v, self.op, self.dev) for v in wanted]

    def _one(self, b, args):
        if b.name == "linalg.index":
            d = int(b.attributes["dim"].value)
            shape = [1] * len(self.sizes)
            shape[d] = self.sizes[d]
            return np.arange(self.sizes[d]).reshape(shape)
        handler = LOCAL.get(b.name)
        if handler is None or b.name.startswith(("linalg.", "tensor.", "tosa.", "shard.")):
            raise SimError(f"cannot simulate '{b.name}' in the body of '{self.op.name}'", b.location)
        out = handler(b, args, self.dev)
        t = b.results[0].type
        if isinstance(t, (ir.IntegerType, ir.IndexType)):
            dtype = np_dtype(t, b.location)
            return wide(np.asarray(out).astype(dtype)) if dtype != np.bool_ else np.asarray(out).astype(bool)
        return out

    def combiner(self, i: int):
        """(kind, x) when output i's body is `yield comb(out_i, x)` with x
        independent of out_i, else None."""
        out_arg = self.args[len(self.args) - len(self.yielded) + i]
        y = self.yielded[i]
        owner = y.owner if isinstance(y.owner, ir.Operation) else getattr(y.owner, "operation", None)
        if owner is None or not isinstance(owner, ir.Operation) or owner.name not in _COMBINERS:
            return None
        a, b = owner.operands
        x = b if a == out_arg else a if b == out_arg else None
        if x is None or self._depends(x, out_arg) or self._use_count(out_arg) != 1:
            return None
        return _COMBINERS[owner.name], x, owner

    def _depends(self, v, arg) -> bool:
        if v == arg:
            return True
        owner = v.owner if isinstance(v.owner, ir.Operation) else getattr(v.owner, "operation", None)
        if not isinstance(owner, ir.Operation) or owner.parent is None or owner not in self.ops:
            return False
        return any(self._depends(w, arg) for w in owner.operands)

    def _use_count(self, arg) -> int:
        return sum(v == arg for b in self.ops for v in b.operands) + sum(v == arg for v in self.yielded)

    def product_of_inputs(self, x, n_in):
        """The input block arguments whose product x is (through value
        casts), or None."""
        if x in self.args[:n_in]:
            return [self.args.index(x)]
        owner = x.owner if isinstance(x.owner, ir.Operation) else getattr(x.owner, "operation", None)
        if not isinstance(owner, ir.Operation) or owner not in self.ops:
            return None
        if owner.name in _VALUE_CASTS:
            return self.product_of_inputs(owner.operands[0], n_in)
        if owner.name in ("arith.mulf", "arith.muli"):
            a = self.product_of_inputs(owner.operands[0], n_in)
            b = self.product_of_inputs(owner.operands[1], n_in)
            return a + b if a is not None and b is not None else None
        return None


def _letters(dims) -> str:
    return "".join(chr(ord("a") + d) if d is not None else "?" for d in dims)


def structured(op, args, dev):
    maps = L.indexing_maps(op)
    if maps is None:
        raise SimError(f"cannot simulate '{op.name}'", op.location)
    n_in = L.n_inputs(op)
    sizes = _loop_sizes(op, maps, args)
    iterators = L.iterator_types(op, maps)
    reduction = [d for d, it in enumerate(iterators) if it == "reduction"]
    body = _Body(op, dev, sizes)
    dtypes = [result_dtype(op, i) for i in range(len(op.results))]
    inits = [_in_loop_space(x, m, sizes) for x, m in zip(args[n_in:], maps[n_in:])]

    def loop_space_env():
        ins = [_in_loop_space(x, m, sizes) for x, m in zip(args[:n_in], maps[:n_in])]
        return ins, dict(zip(body.args, ins + inits))

    if not reduction:
        values = body.run(loop_space_env()[1], body.yielded)
        return _results(op, values, maps[n_in:], sizes, dtypes)
    combined = [body.combiner(i) for i in range(len(op.results))]
    if all(c is not None for c in combined):
        values = []
        for i, (kind, x, owner) in enumerate(combined):
            folded = _einsum(op, body, x, kind, maps, args, n_in, sizes, i) if kind == "sum" else None
            if folded is None:
                full = np.broadcast_to(body.run(loop_space_env()[1], [x])[0], sizes)
                folded = _UFUNCS[kind].reduce(full, axis=tuple(reduction), keepdims=True)
            # The init enters once, through the op's own combiner.
            values.append(body._one(owner, [inits[i], folded] if owner.operands[0] == body.args[n_in + i]
                                    else [folded, inits[i]]))
        return _results(op, values, maps[n_in:], sizes, dtypes)
    ins, env = loop_space_env()
    return _sequential(op, body, env, ins, inits, maps, sizes, reduction, dtypes, n_in)


def _einsum(op, body, x, kind, maps, args, n_in, sizes, i):
    """x summed over the reduction loops as one einsum, when x is a product
    of inputs read through plain loop-dimension maps; else None."""
    factors = body.product_of_inputs(x, n_in)
    if not factors or any(any(d is None for d in L.map_dims(maps[k])) for k in factors):
        return None
    out_dims = [d for d in L.map_dims(maps[n_in + i]) if d is not None]
    if len(out_dims) != len(maps[n_in + i].results):
        return None
    spec = ",".join(_letters(L.map_dims(maps[k])) for k in factors) + "->" + _letters(sorted(out_dims))
    folded = np.einsum(spec, *[wide(args[k]) for k in factors], optimize=True)
    shape = [sizes[d] if d in out_dims else 1 for d in range(len(sizes))]
    return folded.reshape(shape)


def _sequential(op, body, env, ins, inits, maps, sizes, reduction, dtypes, n_in):
    """Reduction points one after another, in order (a body with no
    recognised combiner)."""
    acc = [np.asarray(v) for v in inits]
    n = len(sizes)
    for point in itertools.product(*[range(sizes[d]) for d in reduction]):
        where = [slice(None)] * n
        for d, p in zip(reduction, point):
            where[d] = slice(p, p + 1)
        step = {}
        for a, v in zip(body.args[:n_in], ins):
            v = np.asarray(v)
            step[a] = v[tuple(w if v.shape[k] > 1 else slice(None) for k, w in enumerate(where))] if v.ndim else v
        step.update(zip(body.args[n_in:], acc))
        acc = [np.asarray(v) for v in _run_at(body, step, point, reduction, body.sizes)]
    return _results(op, acc, maps[n_in:], sizes, dtypes)


def _run_at(body, env, point, reduction, sizes):
    """The body at one reduction point: linalg.index of a reduction loop is
    that point's coordinate."""
    env = dict(env)
    fixed = dict(zip(reduction, point))
    for b in body.ops:
        if b.name == "linalg.index" and int(b.attributes["dim"].value) in fixed:
            env[b.results[0]] = np.asarray(fixed[int(b.attributes["dim"].value)]).reshape([1] * len(sizes))
    return body.run(env, body.yielded)


def _results(op, values, out_maps, sizes, dtypes):
    outs = [_to_output(v, m, sizes, dt, op) for v, m, dt in zip(values, out_maps, dtypes)]
    return outs[0] if len(outs) == 1 else outs


def _register() -> None:
    """Every linalg op the bindings define: the structured ones simulate,
    the rest are refused by `structured` with a located error."""
    from mlir.dialects import linalg as dialect

    for name in dir(dialect):
        cls = getattr(dialect, name)
        op_name = getattr(cls, "OPERATION_NAME", None)
        if isinstance(op_name, str) and op_name.startswith("linalg.") and op_name not in ("linalg.yield", "linalg.index"):
            LOCAL.setdefault(op_name, structured)


_register()
