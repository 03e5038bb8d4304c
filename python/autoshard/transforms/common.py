"""Helpers the passes share: grid resolution, function iteration, sizes."""

from __future__ import annotations

from autoshard.diagnostics import AutoshardError
from autoshard.graph import find_grid
from autoshard.ir import ir
from autoshard.sharding import Grid, ShardingError
from autoshard.sharding.ir_convert import grid_from_op, grid_op_text
from autoshard.units import format_bytes, parse_bytes  # noqa: F401

def resolve_grid(module, grid_option: str, create: bool) -> Grid | None:
    """The module's grid (its first static one, else its first one); with
    none, the one `grid=AxB` describes (inserted into the module as
    `shard.grid @grid` when `create`).  `grid=AxB` next to a module grid must
    be that grid, or fill its dynamic axes (see `static_grid`)."""
    grid_ops = [op.operation for op in module.body.operations if op.operation.name == "shard.grid"]
    static = [g for g in grid_ops if all(int(s) >= 0 for s in ir.DenseI64ArrayAttr(g.attributes["shape"]))]
    if grid_ops:
        grid_op = (static or grid_ops)[0]
        grid = grid_from_op(grid_op)
        if grid_option:
            shape = _option_shape(grid_option)
            if not grid.accepts(shape):
                raise AutoshardError(
                    f"option grid={grid_option} conflicts with the module's grid '@{grid.name}' of shape {grid.shape_text}",
                    grid_op.location,
                )
        return grid
    if not grid_option:
        return None
    try:
        grid = Grid("grid", _option_shape(grid_option))
    except ShardingError as e:
        raise AutoshardError(str(e)) from None
    if create:
        with module.context, ir.Location.unknown():
            new = ir.Operation.parse(grid_op_text(grid))
            ir.InsertionPoint.at_block_begin(module.body).insert(new)
    return grid


def _option_shape(text: str) -> tuple[int, ...]:
    try:
        return Grid.parse_shape(text)
    except ShardingError as e:
        raise AutoshardError(str(e)) from None


def static_grid(module, grid: Grid, grid_option: str) -> Grid:
    """The grid the planner plans on: `grid` itself when static; a dynamic
    grid gets its sizes from the option grid=AxB, or is a located error (a
    cost needs device counts).  The shardings still name the module's grid,
    so the partitioned program keeps its run-time sizes."""
    if grid.is_static:
        return grid
    if grid_option:
        shape = _option_shape(grid_option)
        if grid.accepts(shape):
            return Grid(grid.name, shape)
    example = "x".join("2" if s < 0 else str(s) for s in grid.shape)
    raise AutoshardError(
        f"grid '@{grid.name}' has a dynamic axis (shape {grid.shape_text}): the planner needs a static size for "
        f"every axis; give them with the option grid=... (e.g. grid={example})", _grid_location(module, grid.name))


def _grid_location(module, name: str):
    for op in module.body.operations:
        op = op.operation
        if op.name == "shard.grid" and ir.StringAttr(op.attributes["sym_name"]).value == name:
            return op.location
    return module.operation.location


def function_grid(module, func_op, default: Grid | None) -> Grid | None:
    """The grid @func_op is planned and partitioned on: the one its
    shardings and shard ops name, else `default` (the module's first grid or
    the one `grid=AxB` made).  A function naming several grids would move
    values between grids, which no shard op does: a located error."""
    named: dict[str, object] = {}
    for block in func_op.regions[0].blocks:
        for op in block.operations:
            op = op.operation
            if op.name.startswith("shard.") and "grid" in op.attributes:
                named.setdefault(ir.FlatSymbolRefAttr(op.attributes["grid"]).value, op.location)
    if not named:
        return default
    if len(named) > 1:
        first, second = list(named)[:2]
        fname = ir.StringAttr(func_op.attributes["sym_name"]).value
        raise AutoshardError(
            f"@{fname} uses grids @{first} and @{second}: moving a value between grids is not supported",
            named[second])
    name = next(iter(named))
    grid = find_grid(module, name)
    if grid is None:
        raise AutoshardError(f"sharding names grid '@{name}' which is not defined in this module", named[name])
    return grid


def functions(module):
    """func.func ops with a body, in module order."""
    out = []
    for op in module.body.operations:
        op = op.operation
        if op.name == "func.func" and len(op.regions[0].blocks) > 0:
            out.append(op)
    return out


def called_functions(module) -> set[str]:
    """Names of functions that `func.call` ops in the module call."""
    names = set()
    for f in functions(module):
        for block in f.regions[0].blocks:
            for op in block.operations:
                op = op.operation
                if op.name == "func.call":
                    names.add(ir.FlatSymbolRefAttr(op.attributes["callee"]).value)
    return names


# autoshard-partition keeps each function as it was before partitioning, as
# a private function `@autoshard.original.<name>` with this attribute naming
# the SPMD function: the IR is the whole contract between the passes, so
# autoshard-verify (and autoshard-run) can run in a later process.
ORIGINAL_OF = "autoshard.original_of"
ORIGINAL_PREFIX = "autoshard.original."


def is_original(f) -> bool:
    return ORIGINAL_OF in f.attributes


def originals(module) -> dict:
    """SPMD function name -> the kept original function."""
    return {ir.StringAttr(f.attributes[ORIGINAL_OF]).value: f for f in functions(module) if is_original(f)}


def original_module(module, name: str) -> ir.Module:
    """A copy of `module` (in a new context, so named resources keep their
    names) in which @name is the kept original again and the SPMD functions
    are gone: the program as it was before autoshard-partition."""
    from autoshard.ir import new_context

    ctx = new_context()
    ctx.allow_unregistered_dialects = module.context.allow_unregistered_dialects
    copy = ir.Module.parse(module.operation.get_asm(enable_debug_info=True), ctx)
    kept = originals(copy)
    if name not in kept:
        raise AutoshardError(
            f"@{name} has no original kept by autoshard-partition (no function with {ORIGINAL_OF} = \"{name}\"): "
            "run autoshard-partition first", module.operation.location)
    for spmd in kept:
        target = next(f for f in functions(copy) if not is_original(f) and ir.StringAttr(f.attributes["sym_name"]).value == spmd)
        target.erase()
    with ctx:
        for spmd, f in kept.items():
            f.attributes["sym_name"] = ir.StringAttr.get(spmd)
            del f.attributes[ORIGINAL_OF]
            if "sym_visibility" in f.attributes:
                del f.attributes["sym_visibility"]
    return copy


def drop_originals(module) -> None:
    """Erases the kept originals (for lowerings of the SPMD program alone)."""
    for f in list(originals(module).values()):
        f.erase()


def entry_functions(module, state=None) -> list:
    """The functions autoshard plans and partitions: those no other function
    calls, and not the originals autoshard-partition keeps.  A called
    function keeps its global types (its callers run it replicated on whole
    operands), with a warning suggesting `inline`."""
    called = called_functions(module)
    out = []
    for f in functions(module):
        if is_original(f):
            continue
        name = ir.StringAttr(f.attributes["sym_name"]).value
        if name in called:
            if state is not None:
                state.warn(
                    f"@{name} is called by another function and is kept replicated; "
                    "run the 'inline' pass first to shard it with its callers",
                    f.location,
                )
            continue
        out.append(f)
    return out


def grid_or_error(grid, module) -> Grid:
    if grid is None:
        raise AutoshardError(
            "the module has no shard.grid; give one with the pass option grid=AxB (e.g. grid=2x4)",
            _first_grid_user(module),
        )
    return grid


def _first_grid_user(module):
    """Where a missing grid shows: the first op naming a grid, else the
    first function, else the module."""
    funcs = functions(module)
    for f in funcs:
        for block in f.regions[0].blocks:
            for op in block.operations:
                if "grid" in op.operation.attributes:
                    return op.operation.location
    return funcs[0].location if funcs else module.operation.location


__all__ = ["parse_bytes", "format_bytes", "resolve_grid", "functions", "find_grid", "grid_or_error"]
