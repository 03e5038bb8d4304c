"""A linalg structured op's IR facts as a `StructuredInfo` (MLIR-free), for
the rules: its maps, loop sizes, iterators and scalar body (ir/linalg.py),
and how its inits are produced (a `linalg.fill` of a constant)."""

from __future__ import annotations

from autoshard.diagnostics import AutoshardError
from autoshard.ir import ir
from autoshard.ir import linalg as L
from autoshard.rules.factor import StructuredInfo


def _owner(v):
    owner = v.owner
    if not isinstance(owner, ir.Operation) and hasattr(owner, "operation"):
        owner = owner.operation
    return owner if isinstance(owner, ir.Operation) else None


def _through_annotations(v):
    """The value `v` is a `shard.shard` chain of."""
    while (o := _owner(v)) is not None and o.name == "shard.shard":
        v = o.operands[0]
    return v


def _fill_constant(v):
    """The constant a `linalg.fill` gave `v` (through annotations), or None."""
    o = _owner(_through_annotations(v))
    if o is None or o.name != "linalg.fill":
        return None
    c = _owner(o.operands[0])
    if c is None or c.name != "arith.constant":
        return None
    attr = c.attributes["value"]
    return attr.value if isinstance(attr, (ir.IntegerAttr, ir.FloatAttr)) else None


def _only_initialises(v) -> bool:
    """Every use of `v` (through annotations) is the init (`outs`) of a
    structured op."""
    uses = list(v.uses)
    for use in uses:
        user = use.owner if isinstance(use.owner, ir.Operation) else use.owner.operation
        if user.name == "shard.shard":
            if not _only_initialises(user.results[0]):
                return False
            continue
        if not L.is_structured(user) or use.operand_number < L.n_inputs(user):
            return False
    return bool(uses)


def _loop_sizes(op, maps) -> tuple[int, ...]:
    sizes = [-1] * maps[0].n_dims
    for v, m in zip(op.operands, maps):
        if not isinstance(v.type, ir.RankedTensorType):
            continue
        for extent, d in zip(ir.RankedTensorType(v.type).shape, L.map_dims(m)):
            if d is not None and extent >= 0:
                sizes[d] = extent
    return tuple(sizes)


def check_captures(op) -> None:
    """A region may use scalars defined outside the op (partition maps them
    to the SPMD function's copies), not tensors (their layout would be
    unknown to the op's rule)."""
    for v in L.outer_values(op):
        if isinstance(v.type, ir.ShapedType):
            raise AutoshardError(f"the body of '{op.name}' uses a tensor defined outside it; "
                                 "pass it as an operand (captured tensors are not supported)", op.location)


def structured_info(op) -> StructuredInfo:
    """The StructuredInfo of a structured op (L.is_structured(op))."""
    if not all(isinstance(r.type, ir.RankedTensorType) for r in op.results) or len(op.results) == 0:
        raise AutoshardError(f"'{op.name}' on buffers: only linalg on tensors is supported", op.location)
    check_captures(op)
    maps = L.indexing_maps(op)
    expression_loops: set[int] = set()
    for m in maps:
        expression_loops |= L.expression_dims(m)
    body, yielded = L.body(op)
    n_in = L.n_inputs(op)
    return StructuredInfo(
        n_inputs=n_in,
        maps=tuple(L.map_dims(m) for m in maps),
        loop_sizes=_loop_sizes(op, maps),
        iterators=L.iterator_types(op, maps),
        expression_loops=frozenset(expression_loops),
        body=body,
        yielded=yielded,
        init_fills=tuple(_fill_constant(v) for v in list(op.operands)[n_in:]),
        fused_fill=op.name == "linalg.fill" and _only_initialises(op.results[0]),
    )
