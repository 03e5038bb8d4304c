"""MLIR func.func -> FuncGraph.

Values are tensors (block arguments and op results).  `shard.shard` ops are
not ops of the graph: each one becomes an `Annotation` on the path from a
value to its users, so that a consumer operand is (base value, chain of
annotations).  `shard.sharding` ops are read into Sharding values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autoshard.diagnostics import AutoshardError
from autoshard.graph.structured import check_captures, structured_info
from autoshard.ir import ir
from autoshard.ir.linalg import is_structured
from autoshard.rules import RULES, OpInfo, TensorInfo
from autoshard.sharding import Grid, Sharding
from autoshard.sharding.ir_convert import check_against, grid_from_op, sharded_dims_lists, sharding_from_op

SHARD_OPS = ("shard.shard", "shard.sharding")


@dataclass(frozen=True)
class Annotation:
    """One `shard.shard`: `for_users` False describes the producer's layout,
    True what the consumers need."""

    sharding: Sharding
    for_users: bool
    loc: object


@dataclass
class ValueNode:
    id: int
    tensor: TensorInfo | None
    value: Any  # the ir.Value
    producer: int | None  # op id, None for block arguments
    arg_index: int | None = None
    users: list[tuple[int, int]] = field(default_factory=list)  # (op id, operand index)


@dataclass
class OpNode:
    id: int
    info: OpInfo
    op: Any  # the ir.Operation
    operands: list[int]  # base value ids
    chains: list[tuple[Annotation, ...]]  # annotations between base value and this operand
    results: list[int]

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def loc(self):
        return self.op.location


@dataclass
class FuncGraph:
    func: Any  # func.FuncOp (the bindings are untyped)
    grid: Grid | None
    values: list[ValueNode]
    ops: list[OpNode]  # in program order; the terminator last
    return_op: OpNode | None

    @property
    def name(self) -> str:
        return ir.StringAttr(self.func.attributes["sym_name"]).value


_ITEMSIZE = {"i1": 1, "i4": 1, "i8": 1, "i16": 2, "i32": 4, "i48": 8, "i64": 8,
             "f16": 2, "bf16": 2, "f32": 4, "f64": 8, "index": 8}


def _is_ranked(t) -> bool:
    try:
        ir.RankedTensorType(t)
        return True
    except (ValueError, TypeError):
        return False


def tensor_info(t: ir.Type) -> TensorInfo | None:
    if not isinstance(t, ir.RankedTensorType) and not _is_ranked(t):
        return None
    rt = ir.RankedTensorType(t)
    elem = str(rt.element_type)
    # A dynamic dimension is -1: never split (rules and Sharding.check refuse
    # it), counted as 1 in sizes; the other dimensions may still be split.
    shape = tuple(s if s >= 0 else -1 for s in rt.shape)
    return TensorInfo(shape, elem, _ITEMSIZE.get(elem, 4))


def _plain_attrs(op) -> tuple:
    """The op's integer and integer-array attributes as Python values (what
    rules read: transpose perms, reduction axis, ...)."""
    out: list[tuple[str, Any]] = []
    for i in range(len(op.attributes)):
        na = op.attributes[i]
        attr = na.attr
        for cls in (ir.DenseI32ArrayAttr, ir.DenseI64ArrayAttr, ir.DenseI16ArrayAttr):
            if isinstance(attr, cls):
                out.append((na.name, tuple(int(v) for v in attr)))
                break
        else:
            if isinstance(attr, ir.IntegerAttr):
                out.append((na.name, int(attr.value)))
    return tuple(out)


def _const_shape_value(v) -> tuple[int, ...] | None:
    """The values of a `tosa.const_shape` operand (slice starts, paddings,
    tile multiples), else None."""
    owner = v.owner
    if not isinstance(owner, ir.Operation) and hasattr(owner, "operation"):
        owner = owner.operation
    if getattr(owner, "name", None) != "tosa.const_shape":
        return None
    attr = owner.attributes["values"]
    return tuple(int(x) for x in ir.DenseIntElementsAttr(attr))


def _owner_name(owner) -> str:
    return (owner.operation if hasattr(owner, "operation") else owner).name


def _check_explicit_uneven(sh: Sharding, grid: Grid, shape, sharding_value, loc) -> None:
    """An annotation may split a dimension that does not divide its shards
    only by saying where the blocks are (`sharded_dims_offsets`), as
    upstream requires; the balanced blocks autoshard plans are written so."""
    if sh.offsets:
        return
    uneven = sh.uneven_dims(grid, shape)
    if not uneven:  # the common case: no need to read the IR's offsets
        return
    owner = sharding_value.owner
    owner = owner.operation if hasattr(owner, "operation") else owner
    if sharded_dims_lists(owner)[1]:
        return
    for d in uneven:
        n = grid.group_size(sh.dim_axes(d))
        raise AutoshardError(f"dimension {d} of size {shape[d]} is not divisible by {n} shards (grid axes "
                             f"{list(sh.dim_axes(d))}): give its block boundaries with sharded_dims_offsets", loc)


def find_grid(module, name: str | None = None) -> Grid | None:
    grids = [op.operation for op in module.body.operations if op.operation.name == "shard.grid"]
    for g in grids:
        # Only the grid asked for is read: another one may be dynamic and unused.
        if name is None or ir.StringAttr(g.attributes["sym_name"]).value == name:
            return grid_from_op(g)
    return None


def build_graph(func_op, grid: Grid | None) -> FuncGraph:
    block = func_op.regions[0].blocks[0]
    values: list[ValueNode] = []
    by_value: dict = {}  # ir.Value -> (base value id, chain)
    shardings: dict = {}  # ir.Value of !shard.sharding -> Sharding
    infos: dict = {}  # ir.Type -> TensorInfo | None: types are uniqued in the context, and reading one is slow

    def type_info(t):
        found = infos.get(t, infos)
        if found is infos:
            found = infos[t] = tensor_info(t)
        return found

    def new_value(v, producer, arg_index=None) -> int:
        node = ValueNode(len(values), type_info(v.type), v, producer, arg_index)
        values.append(node)
        by_value[v] = (node.id, ())
        return node.id

    for i, arg in enumerate(block.arguments):
        new_value(arg, None, i)

    ops: list[OpNode] = []
    return_op = None
    for op in block.operations:
        op = op.operation
        name = op.name
        structured = None
        if len(op.regions) and any(len(r.blocks) for r in op.regions):
            if is_structured(op):
                structured = structured_info(op)
            elif name in RULES:  # a region rules/ knows (tensor.pad's pad value)
                check_captures(op)
            else:
                raise AutoshardError(f"'{name}' has regions; ops with regions other than linalg structured "
                                     "ops are not supported (docs/ops.md)", op.location)
        if name == "shard.sharding":
            sh = sharding_from_op(op, grid)
            if grid is None or sh.grid != grid.name:
                raise AutoshardError(f"sharding names grid '@{sh.grid}' which is not defined in this module", op.location)
            check_against(sh, grid, None, op.location)
            shardings[op.results[0]] = sh
            if all(_owner_name(u.owner) == "shard.shard" for u in op.results[0].uses):
                continue
            # A sharding the function also returns or passes on is a value too.
        if name == "shard.shard":
            src, sval = op.operands[0], op.operands[1]
            if sval not in shardings:
                raise AutoshardError("shard.shard needs its sharding from a shard.sharding op in the same function", op.location)
            sh = shardings[sval]
            t = type_info(src.type)
            if t is None:
                raise AutoshardError("only ranked tensors can be sharded", op.location)
            assert grid is not None  # sval is in shardings, so a shard.sharding op matched the grid
            check_against(sh, grid, t.shape, op.location)
            _check_explicit_uneven(sh, grid, t.shape, sval, op.location)
            sh = sh.canonical(grid, t.shape)
            base, chain = by_value[src]
            ann = Annotation(sh, "annotate_for_users" in op.attributes, op.location)
            by_value[op.results[0]] = (base, chain + (ann,))
            continue
        operands, chains = [], []
        for v in op.operands:
            if v not in by_value:
                raise AutoshardError(f"operand of '{name}' is not defined in this function's body", op.location)
            base, chain = by_value[v]
            operands.append(base)
            chains.append(chain)
        info = OpInfo(
            name,
            tuple(values[b].tensor for b in operands),
            tuple(type_info(r.type) for r in op.results),
            _plain_attrs(op),
            tuple(_const_shape_value(v) for v in op.operands),
            structured,
        )
        node = OpNode(len(ops), info, op, operands, chains, [])
        for k, b in enumerate(operands):
            values[b].users.append((node.id, k))
        ops.append(node)
        for r in op.results:
            node.results.append(new_value(r, node.id))
        if name == "func.return":
            return_op = node
    return FuncGraph(func_op, grid, values, ops, return_op)
