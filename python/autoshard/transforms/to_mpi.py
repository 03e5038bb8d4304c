"""`autoshard-to-mpi`: lower every shard-dialect collective of an SPMD module
to the `mpi` dialect, so that stock MLIR 22 passes take the whole module to
LLVM.

Upstream `convert-shard-to-mpi` lowers only `all_reduce` (to one
`MPI_Allreduce`) and leaves `all_gather`, `all_slice`, `all_to_all` and
`reduce_scatter` unlegalized without failing.  This pass replaces each of the
five collectives with a call to a private function built from point-to-point
`mpi` ops (mpi_collectives.py: ring / pairwise algorithms that send what the
cost model charges), and so is `shard.update_halo` (so that its bytes are
counted too).  The device queries `process_multi_index`,
`process_linear_index` and `grid_shape`, which upstream lowers, are left for
`convert-shard-to-mpi`.  Any other shard op
(`broadcast`, `shift`, annotations left over) and element types MPI has no
datatype for in upstream's lowering are located errors.

The module gets `dlti.map = #dlti.map<"MPI:Implementation" = "MPICH">`
(the ABI upstream's MPI-to-LLVM lowering targets).  The program itself does
not call `MPI_Init`; whoever runs it does (autoshard-run).  With
`count-bytes`, every send first calls the external
`@autoshard_mpi_sent(i64 collective, i64 bytes)`; collectives are numbered
in the order `collectives()` returns them.
"""

from __future__ import annotations

from math import prod
from dataclasses import dataclass, field

from autoshard.diagnostics import AutoshardError
from autoshard.graph import find_grid
from autoshard.ir import func, ir
from autoshard.sim.helpers import attr_int, attr_ints
from autoshard.sim.shard_ops import _reduction, _split_axes  # how the simulator reads these attributes
from autoshard.transforms.base import Pass, PipelineState, register_pass
from autoshard.transforms.common import functions
from autoshard.transforms.mpi_collectives import (
    COUNT_FUNC,
    MPI_ELEMENT_TYPES,
    Collective,
    helper_function,
    reduction_op,
)

LOWERED_HERE = {
    "shard.all_gather": "gather_axis",
    "shard.all_slice": "slice_axis",
    "shard.all_to_all": "split_axis",
    "shard.all_reduce": None,
    "shard.reduce_scatter": "scatter_axis",
    "shard.update_halo": None,
}
LEFT_TO_UPSTREAM = {"shard.grid", "shard.process_multi_index", "shard.process_linear_index", "shard.grid_shape"}
MPICH_DLTI = '#dlti.map<"MPI:Implementation" = "MPICH">'


def _walk(op, out: list) -> None:
    for region in op.regions:
        for block in region.blocks:
            for inner in block.operations:
                out.append(inner.operation)
                _walk(inner.operation, out)


def collectives(module) -> list:
    """The collectives this pass lowers, in program order (the numbering of
    `@autoshard_mpi_sent`)."""
    return [op for _, op in collectives_by_function(module)]


def collectives_by_function(module) -> list:
    """(function name, collective) in the order of `collectives`."""
    out: list = []
    for f in functions(module):
        ops: list = []
        _walk(f.operation, ops)
        name = ir.StringAttr(f.attributes["sym_name"]).value
        out.extend((name, op) for op in ops if op.name in LOWERED_HERE)
    return out


def describe(module, op) -> Collective:
    """The Collective of a shard op, or a located AutoshardError."""
    kind = op.name.split(".", 1)[1]
    if len(op.operands) != 1 or len(op.results) != 1:
        raise AutoshardError(f"cannot lower '{op.name}' to MPI: expected one operand and one result", op.location)
    src, dst = op.operands[0].type, op.results[0].type
    for t in (src, dst):
        if not isinstance(t, ir.RankedTensorType) or not t.has_static_shape:
            raise AutoshardError(f"cannot lower '{op.name}' to MPI: {t} is not a statically shaped tensor", op.location)
    elem = str(ir.RankedTensorType(src).element_type)
    if elem not in MPI_ELEMENT_TYPES:
        raise AutoshardError(
            f"cannot lower '{op.name}' to MPI: element type {elem} has no MPI datatype in MLIR's MPI lowering "
            f"(supported: {', '.join(MPI_ELEMENT_TYPES)})", op.location)
    if str(ir.RankedTensorType(dst).element_type) != elem:
        raise AutoshardError(f"cannot lower '{op.name}' to MPI: the result element type differs from the operand's",
                             op.location)
    grid_name = op.attributes["grid"].value
    grid = find_grid(module, grid_name)
    if grid is None:
        raise AutoshardError(f"cannot lower '{op.name}' to MPI: no grid @{grid_name}", op.location)
    if any(s is None or s <= 0 for s in grid.shape):
        raise AutoshardError(f"cannot lower '{op.name}' to MPI: grid @{grid_name} has dynamic axes", op.location)
    if kind == "update_halo":
        return _describe_halo(op, grid, elem, src)
    axis_attr = LOWERED_HERE[op.name]
    reduction = _reduction(op)
    if kind in ("all_reduce", "reduce_scatter") and reduction_op(reduction, elem) is None:
        raise AutoshardError(f"cannot lower '{op.name}' to MPI: reduction '{reduction}' on {elem}", op.location)
    return Collective(
        kind=kind,
        grid_shape=tuple(grid.shape),
        axes=tuple(attr_ints(op, "grid_axes")),
        elem=elem,
        in_shape=tuple(ir.RankedTensorType(src).shape),
        out_shape=tuple(ir.RankedTensorType(dst).shape),
        axis=attr_int(op, axis_attr) if axis_attr else None,
        concat_axis=attr_int(op, "concat_axis") if kind == "all_to_all" else None,
        reduction=reduction,
    )


def _describe_halo(op, grid, elem, src) -> Collective:
    split = [tuple(axes) for axes in _split_axes(op)]
    sizes = attr_ints(op, "static_halo_sizes")
    split_dims = [(d, axes) for d, axes in enumerate(split) if axes]
    if len(sizes) != 2 * len(split_dims) or any(s < 0 for s in sizes):
        raise AutoshardError(f"cannot lower '{op.name}' to MPI: needs static halo sizes, two per split dimension",
                             op.location)
    shape = tuple(ir.RankedTensorType(src).shape)
    halos = tuple((d, axes, sizes[2 * i], sizes[2 * i + 1]) for i, (d, axes) in enumerate(split_dims))
    for d, _, lo, hi in halos:
        if lo + hi >= shape[d]:
            raise AutoshardError(f"cannot lower '{op.name}' to MPI: halos {lo}+{hi} leave no core rows in "
                                 f"dimension {d} of size {shape[d]}", op.location)
    return Collective(kind="update_halo", grid_shape=tuple(grid.shape), axes=halos[0][1] if halos else (),
                      elem=elem, in_shape=shape, out_shape=shape, halos=halos)


def drop_kept_originals(module) -> None:
    """autoshard-partition may keep each function as it was, as a private
    `@autoshard.original.<name>` (annotations and all); a lowering of the
    SPMD program for running it has no use for them."""
    from autoshard.transforms import common

    if hasattr(common, "drop_originals"):
        common.drop_originals(module)


def _check_supported(module) -> None:
    ops: list = []
    _walk(module.operation, ops)
    for op in ops:
        if op.name.startswith("shard.") and op.name not in LOWERED_HERE and op.name not in LEFT_TO_UPSTREAM:
            raise AutoshardError(f"cannot lower '{op.name}' to MPI (autoshard-to-mpi lowers "
                                 f"{', '.join(sorted(LOWERED_HERE))}; upstream convert-shard-to-mpi "
                                 f"{', '.join(sorted(LEFT_TO_UPSTREAM - {'shard.grid'}))})", op.location)


@register_pass
@dataclass(frozen=True)
class ToMPIPass(Pass):
    name = "autoshard-to-mpi"
    summary = "Lower every shard collective of an SPMD module to the mpi dialect (ring / pairwise send-recv)"

    count_bytes: bool = field(default=False, metadata={
        "help": "call the external @autoshard_mpi_sent(i64 collective, i64 bytes) before every send"})

    def run(self, module, state: PipelineState) -> None:
        drop_kept_originals(module)
        _check_supported(module)
        ops = collectives(module)
        described = [describe(module, op) for op in ops]  # every error before any change
        ctx = module.context
        helpers, aliases = [], []
        for ident, (op, c) in enumerate(zip(ops, described)):
            groups = [axes for _, axes, _, _ in c.halos] if c.kind == "update_halo" else [c.axes]
            if all(prod(c.grid_shape[a] for a in axes) == 1 for axes in groups):  # nothing to exchange
                op.results[0].replace_all_uses_with(op.operands[0])
                op.erase()
                continue
            name = f"__autoshard_mpi_{c.kind}_{ident}"
            alias = f"#autoshard_mpi_loc{ident}"
            aliases.append(f"{alias} = {op.location}")
            helpers.append(helper_function(c, name, ident, self.count_bytes, alias))
            with ctx, op.location, ir.InsertionPoint(op):
                call = func.CallOp([op.results[0].type], ir.FlatSymbolRefAttr.get(name), [op.operands[0]])
            op.results[0].replace_all_uses_with(call.results[0])
            op.erase()
        if self.count_bytes and helpers:
            helpers.append(f"func.func private @{COUNT_FUNC}(i64, i64) attributes {{llvm.emit_c_interface}}")
        if helpers:
            text = "\n".join(aliases) + "\nmodule {\n  " + "\n  ".join(helpers) + "\n}"
            with ctx, ir.Location.unknown():
                parsed = ir.Module.parse(text)
            for helper in list(parsed.body.operations):
                last = module.body.operations[len(module.body.operations) - 1]
                helper.operation.move_after(last)
        with ctx:
            module.operation.attributes["dlti.map"] = ir.Attribute.parse(MPICH_DLTI)
