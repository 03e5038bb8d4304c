"""The one place where Grid/Sharding values meet MLIR.

Partial axes are not part of LLVM 22's `!shard.sharding`; autoshard writes them
as discardable attributes on the `shard.sharding` op:

    %s = shard.sharding @g split_axes = [[0]] {autoshard.partial_axes = array<i16: 1>,
                                               autoshard.partial_kind = "sum"} : !shard.sharding

Upstream `mlir-opt` parses and verifies that (unknown discardable attributes
are kept as they are), so the annotated output stays valid LLVM 22 IR.

`halo_sizes` (one (lo, hi) pair per split dimension, in dimension order) and
`sharded_dims_offsets` (the n+1 block boundaries of every split dimension,
in dimension order) are upstream's flat lists; the model keeps them per
dimension.  Dynamic entries that are `arith.constant`s are folded, as
upstream's canonicalizer does; other dynamic entries are an error.
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


_DYNAMIC = ir.ShapedType.get_dynamic_size()


def _constant_index(value, what: str, loc) -> int:
    owner = value.owner
    op = owner.operation if hasattr(owner, "operation") else owner
    if getattr(op, "name", None) == "arith.constant":
        attr = op.attributes["value"]
        if isinstance(attr, ir.IntegerAttr):
            return int(attr.value)
    raise AutoshardError(f"dynamic {what} in shardings are not supported (only constants are folded)", loc)


def _mixed_list(op, key: str, dynamic: list, what: str) -> list[int]:
    """A static list with its dynamic markers replaced by the constants the
    operands hold."""
    static = [int(v) for v in ir.DenseI64ArrayAttr(op.attributes[key])] if key in op.attributes else []
    it = iter(dynamic)
    out = []
    for v in static:
        if v == _DYNAMIC:
            nxt = next(it, None)
            if nxt is None:
                raise AutoshardError(f"{what} have more dynamic entries than operands", op.location)
            out.append(_constant_index(nxt, what, op.location))
        else:
            out.append(v)
    return out


def sharded_dims_lists(op) -> tuple[list[int], list[int]]:
    """(halo sizes, sharded dims offsets) of a `shard.sharding` op, flat as
    upstream writes them, constant operands folded."""
    seg = [int(v) for v in ir.DenseI32ArrayAttr(op.attributes["operandSegmentSizes"])] \
        if "operandSegmentSizes" in op.attributes else [0, 0]
    operands = list(op.operands)
    dyn_offsets, dyn_halos = operands[: seg[0]], operands[seg[0]: seg[0] + seg[1]]
    halos = _mixed_list(op, "static_halo_sizes", dyn_halos, "halo sizes")
    offsets = _mixed_list(op, "static_sharded_dims_offsets", dyn_offsets, "shard offsets")
    return halos, offsets


def _per_dim_halos(split, flat: list[int], loc) -> tuple:
    dims = [d for d, axes in enumerate(split) if axes]
    if len(flat) != 2 * len(dims):
        raise AutoshardError(f"halo_sizes has {len(flat)} entries; the sharding splits {len(dims)} "
                             f"dimension(s) and needs two (lo, hi) per split dimension", loc)
    out = [(0, 0)] * (dims[-1] + 1 if dims else 0)
    for i, d in enumerate(dims):
        out[d] = (flat[2 * i], flat[2 * i + 1])
    return tuple(out)


def _per_dim_offsets(split, flat: list[int], grid: Grid | None, loc) -> tuple:
    if grid is None:
        raise AutoshardError("sharded_dims_offsets need the sharding's grid to be defined", loc)
    dims = [d for d, axes in enumerate(split) if axes]
    out: list[tuple[int, ...]] = [()] * (dims[-1] + 1 if dims else 0)
    pos = 0
    for d in dims:
        n = grid.group_size(split[d])
        if pos + n + 1 > len(flat):
            raise AutoshardError(f"sharded_dims_offsets has {len(flat)} entries, too few for the split dimensions "
                                 f"(dimension {d} on {n} shards needs {n + 1})", loc)
        out[d] = tuple(flat[pos: pos + n + 1])
        pos += n + 1
    if pos != len(flat):
        raise AutoshardError(f"sharded_dims_offsets has {len(flat)} entries; the split dimensions need {pos} "
                             f"(n+1 boundaries per dimension split into n shards)", loc)
    return tuple(out)


def sharding_from_op(op, grid: Grid | None = None) -> Sharding:
    """Reads a `shard.sharding` op (of `grid`, needed to read its offsets)."""
    attrs = op.attributes
    name = ir.FlatSymbolRefAttr(attrs["grid"]).value
    split = _parse_axis_array(str(attrs["split_axes"]))
    partial: tuple[int, ...] = ()
    kind = "sum"
    if PARTIAL_AXES in attrs:
        partial = tuple(int(a) for a in ir.DenseI16ArrayAttr(attrs[PARTIAL_AXES]))
    if PARTIAL_KIND in attrs:
        kind = ir.StringAttr(attrs[PARTIAL_KIND]).value
    flat_halos, flat_offsets = sharded_dims_lists(op)
    if flat_halos and flat_offsets:
        raise AutoshardError("halo_sizes and sharded_dims_offsets are mutually exclusive", op.location)
    grid = grid if grid is not None and grid.name == name else None
    halos = _per_dim_halos(split, flat_halos, op.location) if flat_halos else ()
    offsets = _per_dim_offsets(split, flat_offsets, grid, op.location) if flat_offsets else ()
    return Sharding(name, split, partial, kind, offsets, halos)


def flat_offsets(sh: Sharding, grid: Grid, shape) -> list[int]:
    """Upstream's `sharded_dims_offsets` for `sh` on a tensor of `shape`:
    empty when every split is even, else the boundaries of every split
    dimension (upstream lists all or none)."""
    if shape is None or not sh.uneven_dims(grid, shape):
        return []
    out: list[int] = []
    for d, axes in enumerate(sh.split_axes):
        if axes:
            out.extend(sh.boundaries(grid, d, shape[d]))
    return out


def flat_halos(sh: Sharding) -> list[int]:
    if not sh.has_halos:
        return []
    return [v for d, axes in enumerate(sh.split_axes) if axes for v in sh.dim_halo(d)]


def axis_array_text(split_axes) -> str:
    groups = split_axes or ((),)
    return "[" + ", ".join("[" + ", ".join(str(a) for a in g) + "]" for g in groups) + "]"


def build_sharding_op(sh: Sharding, loc, offsets: list[int] | None = None) -> ir.Value:
    """Creates `shard.sharding` at the current insertion point; returns its
    value.  `offsets`: its `sharded_dims_offsets` (see `flat_offsets`)."""
    halos = flat_halos(sh)
    op = shard.ShardingOp(
        ir.FlatSymbolRefAttr.get(sh.grid),
        ir.Attribute.parse(f"#shard<axisarray{axis_array_text(sh.split_axes)}>"),
        [],
        [],
        static_sharded_dims_offsets=ir.DenseI64ArrayAttr.get(list(offsets)) if offsets else None,
        static_halo_sizes=ir.DenseI64ArrayAttr.get(halos) if halos else None,
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
OFFSETS = "autoshard.sharded_dims_offsets"  # per split dim, flat as upstream's
HALOS = "autoshard.halo_sizes"


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
    if sh.offsets:
        attrs[OFFSETS] = ir.ArrayAttr.get([ir.DenseI64ArrayAttr.get(list(o)) for o in sh.offsets])
    if sh.halo_sizes:
        attrs[HALOS] = ir.DenseI64ArrayAttr.get([v for pair in sh.halo_sizes for v in pair])
    return attrs


def boundary_from_attrs(attrs):
    """(Sharding, global ir.Type) from boundary attributes, or None."""
    if GLOBAL_TYPE not in attrs:
        return None
    split = _parse_axis_array(str(attrs[SPLIT_AXES]))
    partial = tuple(int(a) for a in ir.DenseI16ArrayAttr(attrs[PARTIAL_AXES])) if PARTIAL_AXES in attrs else ()
    kind = ir.StringAttr(attrs[PARTIAL_KIND]).value if PARTIAL_KIND in attrs else "sum"
    grid = ir.FlatSymbolRefAttr(attrs[GRID]).value
    offsets = tuple(tuple(int(v) for v in ir.DenseI64ArrayAttr(a)) for a in ir.ArrayAttr(attrs[OFFSETS])) \
        if OFFSETS in attrs else ()
    flat = [int(v) for v in ir.DenseI64ArrayAttr(attrs[HALOS])] if HALOS in attrs else []
    halos = tuple(zip(flat[0::2], flat[1::2]))
    return Sharding(grid, split, partial, kind, offsets, halos), ir.TypeAttr(attrs[GLOBAL_TYPE]).value


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
