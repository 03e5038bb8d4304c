"""Reading linalg structured ops (on tensors) from the IR.

Every structured op -- `linalg.generic` and the named ops alike -- carries its
scalar body as a region (named ops build it at parse time, unprinted), and
the bindings give its indexing maps (`linalg.get_indexing_maps`, which reads
the `indexing_maps` attribute or derives the maps of a named op).  This
module turns both into plain Python data; what the data means for sharding
is the rules' business (rules/linalg.py).
"""

from __future__ import annotations

from mlir.dialects import linalg as _linalg

from autoshard.ir import ir

# get_indexing_maps memoizes a named op's maps in this attribute: removed
# again, so that reading the IR does not change it.
_MEMO = "linalg.memoized_indexing_maps"


def is_structured(op) -> bool:
    """A linalg structured op: a scalar body and indexing maps (not
    linalg.softmax, pack, winograd_*, ... which have neither)."""
    if not op.name.startswith("linalg.") or len(op.regions) != 1 or not len(op.regions[0].blocks):
        return False
    return _maps(op) is not None


def _maps(op):
    had = _MEMO in op.attributes
    maps = _linalg.get_indexing_maps(op.opview)
    if not had and _MEMO in op.attributes:
        del op.attributes[_MEMO]
    return maps


def indexing_maps(op) -> list:
    """The op's indexing maps (ir.AffineMap), one per operand (ins, then outs)."""
    return [m if isinstance(m, ir.AffineMap) else ir.AffineMapAttr(m).value for m in _maps(op)]


def n_inputs(op) -> int:
    """How many operands are `ins` (the rest are `outs`, one per result)."""
    return len(op.operands) - len(op.results)


def map_dims(amap) -> tuple[int | None, ...]:
    """Per result of `amap`: the loop dimension it is, or None (a constant
    or a non-trivial expression such as d0 + d1)."""
    out: list[int | None] = []
    for e in amap.results:
        out.append(e.position if isinstance(e, ir.AffineDimExpr) else None)
    return tuple(out)


def expression_dims(amap) -> set[int]:
    """Loop dimensions read inside non-trivial expressions of `amap`."""
    found: set[int] = set()

    def walk(e):
        if isinstance(e, ir.AffineDimExpr):
            found.add(e.position)
        elif isinstance(e, ir.AffineBinaryExpr):
            walk(e.lhs)
            walk(e.rhs)

    for e in amap.results:
        if not isinstance(e, ir.AffineDimExpr):
            walk(e)
    return found


def iterator_types(op, maps) -> tuple[str, ...]:
    """"parallel" or "reduction" per loop: the `iterator_types` attribute of
    linalg.generic; for a named op, the loops no output map uses reduce."""
    n_loops = maps[0].n_dims
    if "iterator_types" in op.attributes:
        return tuple(str(a).split("<")[-1].rstrip(">") for a in ir.ArrayAttr(op.attributes["iterator_types"]))
    used = {d for m in maps[n_inputs(op):] for d in map_dims(m) if d is not None}
    return tuple("parallel" if d in used else "reduction" for d in range(n_loops))


def body(op):
    """The scalar body: (ops, yielded) where ops is a tuple of (name,
    operand refs, extra) and a ref is ("arg", i) for block argument i,
    ("op", j) for the result of body op j, or ("outer", None) for a value
    defined outside the region; extra is the loop dimension of a
    `linalg.index` and the value of an `arith.constant`, else None."""
    block = op.regions[0].blocks[0]
    refs: dict = {}
    for i, a in enumerate(block.arguments):
        refs[a] = ("arg", i)
    ops: list = []
    yielded: tuple = ()
    for j, b in enumerate(block.operations):
        b = b.operation
        operands = tuple(refs.get(v, ("outer", None)) for v in b.operands)
        if b.name == "linalg.yield":
            yielded = operands
            continue
        extra = None
        if b.name == "linalg.index":
            extra = int(b.attributes["dim"].value)
        elif b.name == "arith.constant":
            attr = b.attributes["value"]
            if isinstance(attr, (ir.IntegerAttr, ir.FloatAttr)):
                extra = attr.value
        ops.append((b.name, operands, extra))
        for r in b.results:
            refs[r] = ("op", len(ops) - 1)
    return tuple(ops), yielded


def outer_values(op) -> list:
    """Values the body uses that are defined outside the op (captured)."""
    block = op.regions[0].blocks[0]
    inside = set(block.arguments)
    out = []
    for b in block.operations:
        b = b.operation
        for v in b.operands:
            if v not in inside:
                out.append(v)
        inside.update(b.results)
    return out
