"""`shard` dialect handlers: annotations (identity), device queries, and the
collectives (semantics in `collectives.py`)."""

from __future__ import annotations

import ast
import re

from autoshard.sim import collectives as coll
from autoshard.sim.registry import collective, local
from autoshard.sim.helpers import attr_int, attr_ints, result_dtype
from autoshard.sim.values import SimError


# --- annotations: no runtime effect ------------------------------------------


@local("shard.sharding")
def _sharding(op, args, dev):
    return None  # opaque layout description


@local("shard.get_sharding")
def _get_sharding(op, args, dev):
    return None  # a layout description, like shard.sharding


@local("shard.shard")
def _shard(op, args, dev):
    # `shard.shard %x to %s [annotate_for_users]` only states a layout.
    return args[0]


# --- device queries ----------------------------------------------------------


def _grid_name(op) -> str:
    return op.attributes["grid"].value


def _axes_or_all(op, rank: int) -> list[int]:
    axes = attr_ints(op, "axes") if "axes" in op.attributes else []
    return axes if axes else list(range(rank))


@local("shard.grid_shape")
def _grid_shape(op, args, dev):
    shape = dev.grid_shape(_grid_name(op), op.location)
    sizes = [shape[a] for a in _axes_or_all(op, len(shape))]
    return sizes[0] if len(op.results) == 1 else sizes


@local("shard.process_multi_index")
def _process_multi_index(op, args, dev):
    coords = dev.coords_on(_grid_name(op), op)
    picked = [coords[a] for a in _axes_or_all(op, len(coords))]
    return picked[0] if len(op.results) == 1 else picked


@local("shard.process_linear_index")
def _process_linear_index(op, args, dev):
    dev.coords_on(_grid_name(op), op)  # checks the grid
    return dev.grid.linear_index(dev.coords)


# --- collectives -------------------------------------------------------------


def _reduction(op) -> str:
    # Printed as `#shard<partial max>`; the kind is the last word.
    if "reduction" not in op.attributes:
        return "sum"
    return str(op.attributes["reduction"]).rstrip(">").split()[-1]


def _collective(fn):
    """Adapt `fn(op, values_by_device, grid) -> values_by_device` to the
    lockstep calling convention (one tensor operand, one result)."""

    def handler(op, args_per_device, run):
        if len(op.operands) != 1:
            raise SimError(f"'{op.name}' with dynamic operands is not simulated", op.location)
        grid = run.grid_for(_grid_name(op), op)
        values = {d: args[0] for d, args in zip(run.devices, args_per_device)}
        try:
            out = fn(op, values, grid)
        except coll.CollectiveError as e:
            raise SimError(f"'{op.name}': {e}", op.location) from e
        return [out[d] for d in run.devices]

    return handler


def _axes(op) -> list[int]:
    return attr_ints(op, "grid_axes")


@collective("shard.all_gather")
@_collective
def _all_gather(op, values, grid):
    return coll.all_gather(values, grid, _axes(op), attr_int(op, "gather_axis"))


@collective("shard.all_slice")
@_collective
def _all_slice(op, values, grid):
    return coll.all_slice(values, grid, _axes(op), attr_int(op, "slice_axis"))


@collective("shard.all_reduce")
@_collective
def _all_reduce(op, values, grid):
    return coll.all_reduce(values, grid, _axes(op), _reduction(op), result_dtype(op))


@collective("shard.reduce_scatter")
@_collective
def _reduce_scatter(op, values, grid):
    return coll.reduce_scatter(values, grid, _axes(op), _reduction(op), attr_int(op, "scatter_axis"), result_dtype(op))


@collective("shard.all_to_all")
@_collective
def _all_to_all(op, values, grid):
    return coll.all_to_all(values, grid, _axes(op), attr_int(op, "split_axis"), attr_int(op, "concat_axis"))


_DYNAMIC = -9223372036854775808  # ShapedType::kDynamic in a static root


def _device_coords(op, key: str, args) -> tuple | None:
    """The coordinates attribute `key` (root, destination, source) names on
    one device: its dynamic entries are the index operands after the tensor.
    None when the op has no such attribute."""
    if key not in op.attributes:
        return None
    dynamic = iter(int(v) for v in args[1:])
    return tuple(next(dynamic) if r == _DYNAMIC else r for r in attr_ints(op, key))


def _rooted(fn):
    """Adapt `fn(op, values_by_device, run, root)` for ops with a `root`,
    which must name the same device on every device."""

    def handler(op, args_per_device, run):
        run.grid_for(_grid_name(op), op)
        roots = {_device_coords(op, "root", args) for args in args_per_device}
        if len(roots) != 1:
            raise SimError(f"'{op.name}': the devices name different roots {sorted(map(str, roots))}", op.location)
        root = roots.pop()
        values = {d: args[0] for d, args in zip(run.devices, args_per_device)}
        try:
            out = fn(op, values, run, list(root) if root is not None else [])
        except coll.CollectiveError as e:
            raise SimError(f"'{op.name}': {e}", op.location) from e
        return [out[d] for d in run.devices]

    return handler


def _point_to_point(fn, key: str):
    """Adapt `fn(values, grid, axes, coords_by_device, mailbox)` for send and
    recv, whose peer (`key`) may differ from device to device."""

    def handler(op, args_per_device, run):
        grid = run.grid_for(_grid_name(op), op)
        values = {d: args[0] for d, args in zip(run.devices, args_per_device)}
        peers = {d: _device_coords(op, key, args) for d, args in zip(run.devices, args_per_device)}
        try:
            out = fn(values, grid, _axes(op), peers, run.mailbox)
        except coll.CollectiveError as e:
            raise SimError(f"'{op.name}': {e}", op.location) from e
        return [out[d] for d in run.devices]

    return handler


@collective("shard.broadcast")
@_rooted
def _broadcast(op, values, run, root):
    return coll.broadcast(values, run.grid, _axes(op), root)


@collective("shard.gather")
@_rooted
def _gather(op, values, run, root):
    return coll.gather(values, run.grid, _axes(op), attr_int(op, "gather_axis"), root)


@collective("shard.reduce")
@_rooted
def _reduce(op, values, run, root):
    return coll.reduce(values, run.grid, _axes(op), root, _reduction(op), result_dtype(op))


@collective("shard.scatter")
@_rooted
def _scatter(op, values, run, root):
    return coll.scatter(values, run.grid, _axes(op), attr_int(op, "scatter_axis"), root)


collective("shard.send")(_point_to_point(coll.send, "destination"))
collective("shard.recv")(_point_to_point(coll.recv, "source"))


@collective("shard.shift")
@_collective
def _shift(op, values, grid):
    return coll.shift(values, grid, _axes(op), attr_int(op, "shift_axis"), attr_int(op, "offset"), "rotate" in op.attributes)


def _split_axes(op) -> list:
    # No Python class for #shard<axisarray[[0], []]>: read the printed form.
    m = re.search(r"axisarray(\[.*\])>", str(op.attributes["split_axes"]))
    assert m is not None  # a #shard.sharding always prints its split axes so
    return ast.literal_eval(m.group(1))


@collective("shard.update_halo")
@_collective
def _update_halo(op, values, grid):
    return coll.update_halo(values, grid, _split_axes(op), attr_ints(op, "static_halo_sizes"))
