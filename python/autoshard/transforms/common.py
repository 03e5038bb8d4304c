"""Helpers the passes share: grid resolution, function iteration, sizes."""

from __future__ import annotations

from autoshard.diagnostics import AutoshardError
from autoshard.graph import find_grid
from autoshard.ir import ir
from autoshard.sharding import Grid, ShardingError
from autoshard.sharding.ir_convert import grid_from_op, grid_op_text
from autoshard.units import format_bytes, parse_bytes  # noqa: F401

def resolve_grid(module, grid_option: str, create: bool) -> Grid | None:
    """The module's grid; with none, the one `grid=AxB` describes (inserted
    into the module as `shard.grid @grid` when `create`)."""
    grid_ops = [op.operation for op in module.body.operations if op.operation.name == "shard.grid"]
    if grid_ops:
        grid = grid_from_op(grid_ops[0])
        if grid_option:
            try:
                shape = Grid.parse_shape(grid_option)
            except ShardingError as e:
                raise AutoshardError(str(e)) from None
            if shape != grid.shape:
                raise AutoshardError(
                    f"option grid={grid_option} conflicts with the module's grid '@{grid.name}' of shape {grid.shape_text}",
                    grid_ops[0].location,
                )
        return grid
    if not grid_option:
        return None
    try:
        grid = Grid("grid", Grid.parse_shape(grid_option))
    except ShardingError as e:
        raise AutoshardError(str(e)) from None
    if create:
        with module.context, ir.Location.unknown():
            new = ir.Operation.parse(grid_op_text(grid))
            ir.InsertionPoint.at_block_begin(module.body).insert(new)
    return grid


def functions(module):
    """func.func ops with a body, in module order."""
    out = []
    for op in module.body.operations:
        op = op.operation
        if op.name == "func.func" and len(op.regions[0].blocks) > 0:
            out.append(op)
    return out


def grid_or_error(grid, module) -> Grid:
    if grid is None:
        raise AutoshardError(
            "the module has no shard.grid; give one with the pass option grid=AxB (e.g. grid=2x4)",
            module.operation.location,
        )
    return grid


__all__ = ["parse_bytes", "format_bytes", "resolve_grid", "functions", "find_grid", "grid_or_error"]
