"""Walks a func.func op by op, for one device or for every device of a grid
in lockstep (a collective sees all devices' operands at once)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from autoshard.ir import ir
from autoshard.sim import arith_ops, linalg_ops, scalar_ops, shard_ops, tensor_ops, tosa_ops  # noqa: F401  (register handlers)
from autoshard.sharding.model import Grid
from autoshard.sim.limits import DEFAULT_SIM_MEMORY_LIMIT, check_runs
from autoshard.sim.registry import COLLECTIVE, LOCAL
from autoshard.sim.values import SimError, check_input, coerce, resource_blobs


@dataclass
class Device:
    """What a local handler may know about the device it runs on."""

    coords: tuple | None  # None when not simulating a grid (run_function)
    grid: Grid | None
    grids: dict  # every shard.grid of the module: name -> shape
    module: "_ModuleData"

    def grid_shape(self, name: str, loc) -> tuple:
        if name not in self.grids:
            raise SimError(f"unknown grid @{name}", loc)
        if self.grids[name] is None:
            raise SimError(f"grid @{name} has a dynamic axis and cannot be simulated", loc)
        return self.grids[name]

    def coords_on(self, name: str, op) -> tuple:
        _simulated_grid(self.grid, name, op)
        assert self.coords is not None  # set whenever a grid is simulated
        return self.coords


def _simulated_grid(grid: Grid | None, name: str, op) -> Grid:
    """The grid an op names, which must be the one being simulated."""
    if grid is None:
        raise SimError(f"'{op.name}' needs a device grid: use run_spmd", op.location)
    if name != grid.name:
        raise SimError(f"'{op.name}' on grid @{name}, but the simulation runs on @{grid.name}", op.location)
    return grid


def _module_grids(module: ir.Module) -> dict:
    grids: dict[str, tuple[int, ...] | None] = {}
    for op in module.body.operations:
        op = op.operation
        if op.name == "shard.grid":
            name = op.attributes["sym_name"].value
            shape = tuple(int(s) for s in op.attributes["shape"])
            if any(s <= 0 for s in shape):
                grids[name] = None  # dynamic axis: usable only by name, not simulated
            else:
                grids[name] = shape
    return grids


def _find_func(module: ir.Module, name: str):
    for op in module.body.operations:
        op = op.operation
        if op.name == "func.func" and op.attributes["sym_name"].value == name:
            if not op.regions[0].blocks:
                raise SimError(f"@{name} is a declaration without a body", op.location)
            return op
    raise SimError(f"no function @{name} in the module")


def _referenced_grids(module: ir.Module, fn, seen=None) -> set:
    """Grid names referenced by shard ops of `fn` and of the functions it calls."""
    seen = set() if seen is None else seen
    seen.add(fn.attributes["sym_name"].value)
    names = set()
    for op in fn.regions[0].blocks[0].operations:
        op = op.operation
        if op.name.startswith("shard.") and "grid" in op.attributes:
            names.add(op.attributes["grid"].value)
        elif op.name == "func.call":
            callee = op.attributes["callee"].value
            if callee not in seen:
                names |= _referenced_grids(module, _find_func(module, callee), seen)
    return names


def _resolve_grid(module: ir.Module, fn, named: str | None = None, instance: Grid | None = None) -> Grid | None:
    """The grid to simulate `fn` on: `instance` (a module grid with its
    dynamic axes given sizes), else `named` (the caller knows it, e.g. from
    the function's boundary attributes), else the one its shard ops name,
    else the module's only grid."""
    grids = _module_grids(module)
    used = _referenced_grids(module, fn)
    if instance is not None:
        named = instance.name
    if named is not None:
        used = used | {named}
    if len(used) > 1:
        raise SimError(f"@{fn.attributes['sym_name'].value} uses grids {sorted(used)}; run_spmd simulates one grid", fn.location)
    if used:
        name = used.pop()
    elif len(grids) == 1:
        name = next(iter(grids))
    elif not grids:
        return None
    else:
        raise SimError(f"no collective names a grid and the module has several: {sorted(grids)}", fn.location)
    if name not in grids:
        raise SimError(f"unknown grid @{name}", fn.location)
    if instance is not None:
        return instance
    if grids[name] is None:
        raise SimError(f"grid @{name} has a dynamic axis and cannot be simulated", fn.location)
    return Grid(name, grids[name])


class _ModuleData:
    """Module-wide facts the handlers may need, computed once."""

    def __init__(self, module: ir.Module, fill_domains: dict | None = None):
        self._module = module
        # fill key -> Domain of data-less constants (see sim/domains.py).
        self.fill_domains = fill_domains or {}

    @cached_property
    def blobs(self) -> dict:
        # Printing is the only way to the resource blobs; done only if a
        # dense_resource constant asks for them.
        return resource_blobs(str(self._module))

    def get(self, resource: str):
        """The bytes of a resource blob, or None (the `blobs` of elements_attr_value)."""
        return self.blobs.get(resource)


class _Run:
    """One simulation: a grid (or none) and the devices, in grid order."""

    def __init__(self, module: ir.Module, grid: Grid | None, fill_domains: dict | None = None,
                 wide_floats: bool = False):
        self.wide_floats = wide_floats
        self.module = module
        self.grid = grid
        self.devices = grid.devices() if grid is not None else [()]
        # device -> [(sender, tensor)]: what shard.send posted and shard.recv takes.
        self.mailbox: dict = {}
        grids = _module_grids(module)
        if grid is not None:
            grids[grid.name] = grid.shape  # a dynamic grid runs at the sizes it was given
        data = _ModuleData(module, fill_domains)
        self._ctx = [Device(d if grid is not None else None, grid, grids, data) for d in self.devices]

    def grid_for(self, name: str, op) -> Grid:
        return _simulated_grid(self.grid, name, op)

    def call(self, fn, args_per_device: list, observe=None) -> list:
        """Run `fn` with args_per_device[k] on device k; returns each device's
        results.  `observe(position, op, per_device_results)` is called after
        every op of `fn`'s body (position = its index in the block), so a
        caller can compare intermediate values as they are computed."""
        name = fn.attributes["sym_name"].value
        block = fn.regions[0].blocks[0]
        for dev, args in zip(self.devices, args_per_device):
            if len(args) != len(block.arguments):
                where = f" on device {dev}" if self.grid is not None else ""
                raise SimError(f"@{name} takes {len(block.arguments)} arguments, got {len(args)}{where}", fn.location)
        env = {}
        for i, arg in enumerate(block.arguments):
            vals = []
            for dev, args in zip(self.devices, args_per_device):
                where = f"argument #{i} of @{name}" + (f" on device {dev}" if self.grid is not None else "")
                vals.append(check_input(args[i], arg.type, where, fn.location, self.wide_floats))
            env[arg] = vals
        for position, opview in enumerate(block.operations):
            op = opview.operation
            try:
                operands = [env[v] for v in op.operands]
            except KeyError:
                raise SimError(f"'{op.name}' uses a value defined outside the function body", op.location) from None
            if op.name == "func.return":
                return [[vals[k] for vals in operands] for k in range(len(self.devices))]
            per_device = [[vals[k] for vals in operands] for k in range(len(self.devices))]
            outs = self._execute(op, per_device)
            for i, res in enumerate(op.results):
                what = f"'{op.name}' result #{i}"
                env[res] = [coerce(out[i], res.type, what, op.location, self.wide_floats) for out in outs]
            if observe is not None:
                observe(position, op, [[env[r][k] for r in op.results] for k in range(len(self.devices))])
        raise SimError(f"@{name} has no func.return", fn.location)

    def _execute(self, op, per_device: list) -> list:
        """Each device's list of raw results of `op`."""
        n_results = len(op.results)
        if op.name == "func.call":
            callee = _find_func(self.module, op.attributes["callee"].value)
            return self.call(callee, per_device)
        with np.errstate(all="ignore"):  # inf/NaN are values here, not errors
            try:
                if op.name in COLLECTIVE:
                    outs = COLLECTIVE[op.name](op, per_device, self)
                elif op.name in LOCAL:
                    handler = LOCAL[op.name]
                    outs = [handler(op, args, ctx) for args, ctx in zip(per_device, self._ctx)]
                else:
                    raise SimError(f"cannot simulate '{op.name}'", op.location)
            except SimError:
                raise
            except Exception as e:  # numpy shape errors etc.: locate them at the op
                raise SimError(f"'{op.name}' failed: {type(e).__name__}: {e}", op.location) from e
        return [[out] if n_results == 1 else list(out) for out in outs]


def run_function(module: ir.Module, func_name: str, inputs: list, observe=None, fill_domains=None,
                 wide_floats: bool = False, memory_limit: int | None = DEFAULT_SIM_MEMORY_LIMIT) -> list:
    """Run @func_name on one device. Collectives are refused (use run_spmd).
    `observe`: see `_Run.call` (one device).  `fill_domains`: fill key ->
    Domain of data-less constants (`domains.input_domains(...).constants`).
    A run whose values would need more than `memory_limit` bytes (None: no
    limit) is refused before it starts (sim/limits.py)."""
    fn = _find_func(module, func_name)
    check_runs([(module, fn, 1)], memory_limit, wide_floats)
    return _Run(module, None, fill_domains, wide_floats).call(fn, [list(inputs)], observe)[0]


def run_spmd(module: ir.Module, func_name: str, per_device_inputs: dict, observe=None, fill_domains=None,
             wide_floats: bool = False, memory_limit: int | None = DEFAULT_SIM_MEMORY_LIMIT,
             grid_name: str | None = None, grid: Grid | None = None) -> dict:
    """Run @func_name on every device of `grid` (a module grid with sizes for
    its dynamic axes), or of `grid_name`, or of the grid its collectives name
    (or the module's only grid; a single device () when there is no grid).
    `memory_limit`: as for run_function, for all devices together."""
    fn = _find_func(module, func_name)
    grid = _resolve_grid(module, fn, grid_name, grid)
    check_runs([(module, fn, len(grid.devices()) if grid is not None else 1)], memory_limit, wide_floats)
    run = _Run(module, grid, fill_domains, wide_floats)
    want, got = set(run.devices), set(per_device_inputs)
    if want != got:
        shape = list(grid.shape) if grid is not None else []
        raise SimError(
            f"run_spmd on grid {shape}: inputs for devices {sorted(got)}, expected {sorted(want)}", fn.location
        )
    if observe is not None:
        devices = run.devices
        user_observe = observe

        def observe(position, op, per_device):  # per device, keyed like the inputs
            user_observe(position, op, dict(zip(devices, per_device)))

    results = run.call(fn, [list(per_device_inputs[d]) for d in run.devices], observe)
    return dict(zip(run.devices, results))
