"""The one place where Grid/Sharding values meet MLIR.

Partial axes are not part of LLVM 22's `!shard.sharding`; autoshard writes them
as discardable attributes on the `shard.sharding` op:

    %s = shard.sharding @g split_axes = [[0]] {autoshard.partial_axes = array<i16: 1>,
                                               autoshard.partial_kind = "sum"} : !shard.sharding

Upstream `mlir-opt` parses and verifies that (unknown discardable attributes
are kept as they are), so the annotated output stays valid LLVM 22 IR.
"""

from __future__ import annotations

import re

from autoshard.diagnostics import AutoshardError
from autoshard.ir import ir, shard
from autoshard.sharding.model import Grid, Sharding, ShardingError

PARTIAL_AXES = "autoshard.partial_axes"
PARTIAL_KIND = "autoshard.partial_kind"
_AXIS_ARRAY = re.compile(r"#shard<axisarray(\[.*\])>")


def grid_from_op(op) -> Grid:
    """The Grid of a `shard.grid` op; a dynamic axis (`?`) becomes DYNAMIC."""
    name = ir.StringAttr(op.attributes["sym_name"]).value
    shape = [int(s) for s in ir.DenseI64ArrayAttr(op.attributes["shape"])]
    try:
        return Grid(name, tuple(shape))
    except ShardingError as e:
        raise AutoshardError(str(e), op.location) from None


def grid_op_text(grid: Grid) -> str:
    return f"shard.grid @{grid.name}(shape = {grid.shape_text})"


def _parse_axis_array(text: str) -> tuple[tuple[int, ...], ...]:
    m = _AXIS_ARRAY.fullmatch(text.strip())
    if not m:
        raise ValueError(text)
    inner = m.group(1).strip()[1:-1]
    return tuple(
        tuple(int(a) for a in grp.split(",") if a.strip())
        for grp in re.findall(r"\[([^\[\]]*)\]", inner)
    )


def sharding_from_op(op) -> Sharding:
    """Reads a `shard.sharding` op. Halo sizes, explicit shard offsets and
    dynamic operands are not modelled: they are reported as errors."""
    attrs = op.attributes
    for key in ("static_halo_sizes", "static_sharded_dims_offsets"):
        if key in attrs and len(ir.DenseI64ArrayAttr(attrs[key])) > 0:
            raise AutoshardError(
                f"'{key.removeprefix('static_')}' in shardings is not supported by autoshard", op.location
            )
    if len(op.operands) > 0:
        raise AutoshardError("dynamic shard offsets or halo sizes are not supported", op.location)
    grid = ir.FlatSymbolRefAttr(attrs["grid"]).value
    split = _parse_axis_array(str(attrs["split_axes"]))
    partial: tuple[int, ...] = ()
    kind = "sum"
    if PARTIAL_AXES in attrs:
        partial = tuple(int(a) for a in ir.DenseI16ArrayAttr(attrs[PARTIAL_AXES]))
    if PARTIAL_KIND in attrs:
        kind = ir.StringAttr(attrs[PARTIAL_KIND]).value
    return Sharding(grid, split, partial, kind)


def axis_array_text(split_axes) -> str:
    groups = split_axes or ((),)
    return "[" + ", ".join("[" + ", ".join(str(a) for a in g) + "]" for g in groups) + "]"


def build_sharding_op(sh: Sharding, loc) -> ir.Value:
    """Creates `shard.sharding` at the current insertion point; returns its value."""
    op = shard.ShardingOp(
        ir.FlatSymbolRefAttr.get(sh.grid),
        ir.Attribute.parse(f"#shard<axisarray{axis_array_text(sh.split_axes)}>"),
        [],
        [],
        loc=loc,
    )
    if sh.partial_axes:
        op.operation.attributes[PARTIAL_AXES] = ir.DenseI16ArrayAttr.get(list(sh.partial_axes))
        op.operation.attributes[PARTIAL_KIND] = ir.StringAttr.get(sh.partial_kind)
    return op.result


def build_shard_op(value: ir.Value, sharding_value: ir.Value, for_users: bool, loc) -> ir.Value:
    op = shard.ShardOp(value, sharding_value, annotate_for_users=True if for_users else None, loc=loc)
    return op.result


def check_against(sh: Sharding, grid: Grid, shape, loc) -> None:
    """Validates `sh` for a tensor of `shape`, as a located AutoshardError."""
    try:
        sh.check(grid, shape)
    except ShardingError as e:
        raise AutoshardError(str(e), loc) from None


# -- function boundary layouts (written by autoshard-partition) -----------------
GLOBAL_TYPE = "autoshard.global_type"
SPLIT_AXES = "autoshard.split_axes"
GRID = "autoshard.grid"


def boundary_attrs(sh: Sharding, global_type) -> dict:
    """Arg/result attributes recording a value's global type and layout, so an
    SPMD function says how its local values assemble into the global ones."""
    attrs = {
        GRID: ir.FlatSymbolRefAttr.get(sh.grid),
        SPLIT_AXES: ir.Attribute.parse(f"#shard<axisarray{axis_array_text(sh.split_axes)}>"),
        GLOBAL_TYPE: ir.TypeAttr.get(global_type),
    }
    if sh.partial_axes:
        attrs[PARTIAL_AXES] = ir.DenseI16ArrayAttr.get(list(sh.partial_axes))
        attrs[PARTIAL_KIND] = ir.StringAttr.get(sh.partial_kind)
    return attrs


def boundary_from_attrs(attrs):
    """(Sharding, global ir.Type) from boundary attributes, or None."""
    if GLOBAL_TYPE not in attrs:
        return None
    split = _parse_axis_array(str(attrs[SPLIT_AXES]))
    partial = tuple(int(a) for a in ir.DenseI16ArrayAttr(attrs[PARTIAL_AXES])) if PARTIAL_AXES in attrs else ()
    kind = ir.StringAttr(attrs[PARTIAL_KIND]).value if PARTIAL_KIND in attrs else "sum"
    grid = ir.FlatSymbolRefAttr(attrs[GRID]).value
    return Sharding(grid, split, partial, kind), ir.TypeAttr(attrs[GLOBAL_TYPE]).value


def collective_attributes(grid, step) -> dict:
    """The attributes of the shard op for resharding step `step` on `grid`
    (its descriptor in sharding/collectives.py names them), as IR."""
    from autoshard.sharding.collectives import COLLECTIVES

    attrs = {"grid": ir.FlatSymbolRefAttr.get(grid.name), "grid_axes": ir.DenseI16ArrayAttr.get(list(step.axes))}
    for key, (kind, value) in COLLECTIVES[step.kind].attributes(step).items():
        if kind == "index":
            attrs[key] = ir.IntegerAttr.get(ir.IndexType.get(), value)
        else:
            attrs[key] = ir.Attribute.parse(f"#shard<partial {value}>")
    return attrs
