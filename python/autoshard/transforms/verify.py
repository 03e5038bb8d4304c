"""`autoshard-verify`: prove numerically that the SPMD module computes what
the module before `autoshard-partition` computed.

Both run in the numpy simulator on the same seeded random global inputs: the
original on one device, the SPMD program on every device of the grid, each
device getting its slice of every argument (per the `autoshard.*` boundary
attributes; a partial argument is held whole by the devices at coordinate 0
of its partial axes, the identity of the reduction elsewhere).  Each result
is reassembled from the devices' pieces (reducing partial axes) and compared;
devices that should hold identical replicas must agree exactly.

The original is parsed again in a fresh context: in the SPMD module's
context its named resources would be renamed (the names exist), and a
data-less constant's pseudo-random fill is seeded by its name.  Inputs and
data-less constants that feed an operand with a domain (gather indices,
rescale shifts, ... see sim/domains.py) are drawn from it, identically for
both programs.  Integer and boolean values must be equal; floats agree
within rtol/atol.  One line per function says what was compared (a report:
printed with --plan-report).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autoshard.diagnostics import AutoshardError
from autoshard.graph import find_grid
from autoshard.ir import ir, new_context
from autoshard.sharding import Grid, Sharding, ShardingError
from autoshard.sharding.ir_convert import boundary_from_attrs
from autoshard.sim import SimError, run_function, run_spmd
from autoshard.sim.domains import input_domains
from autoshard.sim.limits import DEFAULT_SIM_MEMORY_LIMIT, check_runs
from autoshard.sim.values import np_dtype
from autoshard.transforms.base import Pass, PipelineState, between, one_of, register_pass
from autoshard.transforms.common import ORIGINAL_OF, entry_functions, functions, original_module, originals
from autoshard.transforms.partition import spmd_layouts
from autoshard.transforms.verify_local import device_block, is_annotated, named_grid, runs_on_grid
from autoshard.units import parse_bytes

_IDENTITY = {"sum": 0, "product": 1}


def dyadic_inputs(ftype, seed: int, loc=None, domains: dict | None = None, dynamic_size: int | None = None,
                  stream: tuple = ()) -> list:
    """Seeded random arguments whose floats are multiples of 1/8 in [-1, 1].

    Sums and products of such numbers are exact in f32 until they grow past
    2^21, so the linear parts of a program (matmuls, adds, partial sums
    reduced in any order) agree bit for bit between the original and the SPMD
    program; only the nonlinear ops leave rounding for rtol/atol to absorb.
    `domains` (argument index -> sim.domains.Domain) overrides that for the
    arguments an op needs in a range (gather indices, ...).  A dynamic
    dimension gets `dynamic_size` (None: refused).  `stream` picks another
    seeded draw (a device's own inputs).  A scalar index or integer argument
    (a device coordinate, a root) is 0, valid on every grid.
    """
    out: list = []
    for i, t in enumerate(ftype.inputs):
        rng = np.random.default_rng([seed, *stream, i])
        if isinstance(t, (ir.IndexType, ir.IntegerType)):
            out.append(0)
            continue
        if not isinstance(t, ir.RankedTensorType):
            raise SimError(f"cannot make a random value of type {t} (argument {i})", loc)
        if not t.has_static_shape and dynamic_size is None:
            raise SimError(f"argument {i} has a dynamic shape ({t})", loc)
        dtype = np_dtype(t.element_type)
        shape: tuple[int, ...] = tuple(int(s) if s >= 0 else int(dynamic_size or 0) for s in t.shape)
        domain = (domains or {}).get(i)
        if domain is not None:
            out.append(domain.draw(shape, dtype, rng, loc))
        elif np.issubdtype(dtype, np.floating):
            x = rng.integers(-8, 9, size=shape, dtype=np.int8).astype(dtype)
            x *= dtype.type(0.125)  # in place: no float64 temporary of a large input
            out.append(x)
        elif dtype == np.bool_:
            out.append(rng.integers(0, 2, size=shape).astype(np.bool_))
        else:
            out.append(rng.integers(-4, 5, size=shape).astype(dtype))
    return out


def _block(grid: Grid, sh: Sharding, device, global_shape):
    """The index expression of `device`'s core block in the global tensor."""
    return tuple(slice(a, b) for a, b in sh.block(grid, global_shape, device))


def _core(sh: Sharding, local: np.ndarray) -> np.ndarray:
    """A device's local value without its halo rows."""
    if not sh.has_halos:
        return local
    index = tuple(slice(lo, local.shape[d] - hi) for d, (lo, hi) in
                  ((d, sh.dim_halo(d)) for d in range(local.ndim)))
    return local[index]


def _local_input(grid, sh: Sharding, device, value: np.ndarray) -> np.ndarray:
    # A view, not a copy: the devices' pieces together are as big as the input.
    piece = value[_block(grid, sh, device, value.shape)]
    if sh.partial_axes and any(device[a] for a in sh.partial_axes):
        if sh.partial_kind in _IDENTITY:
            piece = np.full_like(piece, _IDENTITY[sh.partial_kind])
    if sh.has_halos:
        piece = _with_halo_rows(grid, sh, device, value, piece)
    return piece


def _with_halo_rows(grid, sh: Sharding, device, value: np.ndarray, core: np.ndarray) -> np.ndarray:
    """The device's block with its halo rows as `shard.update_halo` leaves
    them: the neighbours' rows inside the tensor, zeros beyond its ends."""
    blk = sh.block(grid, value.shape, device)
    pads, index = [], []
    for d, (a, b) in enumerate(blk):
        lo, hi = sh.dim_halo(d)
        start, stop = max(a - lo, 0), min(b + hi, value.shape[d])
        pads.append((lo - (a - start), hi - (stop - b)))
        index.append(slice(start, stop))
    return np.pad(value[tuple(index)], pads)


def _assemble(grid, sh: Sharding, global_shape, outputs: dict, k: int):
    """The global value of result k, and a message if replicas disagree."""
    devices = sorted(outputs)
    used = sh.split_axis_set | set(sh.partial_axes)
    result = None
    canonical = {}
    for dev in devices:
        key = tuple(c if a in used else 0 for a, c in enumerate(dev))
        local = _core(sh, np.asarray(outputs[dev][k]))
        if key != dev:
            ref = _core(sh, np.asarray(outputs[key][k]))
            if not np.array_equal(ref, local, equal_nan=True):
                return None, f"devices {key} and {dev} should hold the same replica but differ"
            continue
        canonical[dev] = local
    seen_blocks: set = set()
    for dev, local in canonical.items():
        if result is None:
            result = np.zeros(global_shape, dtype=local.dtype)
        blk = _block(grid, sh, dev, global_shape)
        if local.shape != tuple(b.stop - b.start for b in blk):
            return None, f"device {dev} holds a block of shape {list(local.shape)} where its layout {sh} has " \
                         f"{[b.stop - b.start for b in blk]}"
        key = tuple((b.start, b.stop) for b in blk)
        target = result[blk + (Ellipsis,)]  # a view (also of a rank-0 result): reductions write in place
        if key not in seen_blocks:
            seen_blocks.add(key)
            target[...] = local
        elif sh.partial_kind == "sum":
            np.add(target, local, out=target)
        elif sh.partial_kind == "max":
            np.maximum(target, local, out=target)
        elif sh.partial_kind == "min":
            np.minimum(target, local, out=target)
        else:
            np.multiply(target, local, out=target)
    return result, None


def _describe_producer(func_op, k):
    ret = func_op.regions[0].blocks[0].operations[len(func_op.regions[0].blocks[0].operations) - 1]
    value = ret.operands[k]
    while isinstance(value.owner, ir.Operation) or hasattr(value.owner, "name"):
        owner = value.owner
        name = owner.name if hasattr(owner, "name") else None
        if name == "shard.shard":
            value = owner.operands[0]
            continue
        return owner
    return None


@dataclass
class _Tally:
    """What one function's check compared, for its report line."""

    results: int = 0
    intermediates: int = 0
    float_values: int = 0
    exact_values: int = 0
    largest_error: float = 0.0
    grid: Grid | None = None  # None: run on one device
    declared: Grid | None = None  # the module's grid (dynamic axes as ?)
    dynamic_size: int | None = None  # what dynamic argument dimensions were simulated at
    hand_partitioned: bool = False  # compared device by device (verify_local.py)

    def line(self, name: str, rtol: float, atol: float) -> str:
        grid = self.grid
        if not self.results + self.intermediates:
            return f"autoshard-verify @{name}: no result to compare"
        what = _count(self.results, "result")
        if self.intermediates:
            what += f" and {_count(self.intermediates, 'intermediate value')}"
        verb = "matches" if self.results + self.intermediates == 1 else "match"
        if grid is None:
            where = "on one device (no grid)"
        else:
            where = f"on grid {grid.shape_text} ({_count(grid.num_devices, 'device')})"
            if self.declared is not None and not self.declared.is_static:
                sizes = "x".join(str(grid.shape[a]) for a in self.declared.dynamic_axes)
                where += f" (@{grid.name} of shape {self.declared.shape_text}, dynamic axes at {sizes})"
        if self.dynamic_size is not None:
            where += f", dynamic dimensions of the arguments at {self.dynamic_size}"
        if self.hand_partitioned:
            where += ", device by device (the input was SPMD code)"
        how = []
        if self.float_values:
            how.append(f"largest abs error {self.largest_error:.2g} (rtol {rtol:g}, atol {atol:g})")
        if self.exact_values:
            how.append(f"{_count(self.exact_values, 'integer value')} equal exactly")
        return f"autoshard-verify @{name}: {what} {verb} {where}; " + ", ".join(how)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# Above this many float argument elements, `precision=auto` simulates in f32:
# float64 copies would double the simulator's memory (the full-size seed
# example has 2^30 elements per operand) -- unless the float64 check needs
# at most _WIDE_RUN_BYTES in all: then f64 costs little, and f32 would put
# rounding into ill-conditioned ops (attention's exp of scores near 2^17
# differs by 2e-4 between two f32 summation orders).
_WIDE_FLOATS_LIMIT = 1 << 26
_WIDE_RUN_BYTES = 4 << 30


def _sizes(text: str) -> tuple[int, ...]:
    """'2' or '2x4' -> sizes for dynamic grid axes."""
    return Grid.parse_shape(text)


@register_pass
@dataclass(frozen=True)
class VerifyPass(Pass):
    name = "autoshard-verify"
    summary = "Check numerically (numpy simulator) that the SPMD module equals the module before autoshard-partition"

    seed: int = field(default=0, metadata={"help": "seed of the random inputs"})
    rtol: float = field(default=1e-5, metadata={"help": "relative tolerance for floating-point results"})
    atol: float = field(default=1e-6, metadata={"help": "absolute tolerance for floating-point results"})
    sim_memory_limit: str = field(default=f"{DEFAULT_SIM_MEMORY_LIMIT >> 30}GiB", metadata={
        "help": "refuse, before allocating anything, a check whose simulated values would need more than this"})
    grid_sizes: str = field(default="2", metadata={
        "help": "sizes the dynamic axes of a grid are simulated at: one per dynamic axis (AxB) or one for all",
        "parse": _sizes})
    dynamic_dim_size: int = field(default=0, metadata={
        "help": "size of every dynamic tensor dimension of the arguments; 0: twice the simulated device count "
                "(so every split of it divides)", "parse": between(0, 1 << 20)})
    precision: str = field(default="auto", metadata={
        "help": "f32: every float rounded to its type after each op, as a device computes; f64: floats kept "
                "in float64, so sums taken in another order agree (deep programs, e.g. two GPT-2 layers, "
                "amplify f32 rounding past rtol); auto: f64 unless the arguments hold over 2^26 floats and the "
                "f64 check would need over 4 GiB",
        "parse": one_of("auto", "f32", "f64")})

    def run(self, module, state: PipelineState) -> None:
        kept = originals(module)
        for func_op in entry_functions(module):
            name = ir.StringAttr(func_op.attributes["sym_name"]).value
            if name not in kept:
                raise AutoshardError(
                    f"@{name} has no original kept by autoshard-partition (a private function with "
                    f"{ORIGINAL_OF} = \"{name}\"): run autoshard-partition before autoshard-verify", func_op.location)
            original = original_module(module, name)
            orig_func = next(f for f in functions(original) if ir.StringAttr(f.attributes["sym_name"]).value == name)
            with original.context:
                tally = self._check(module, original, orig_func, func_op, name)
            state.reports.append(tally.line(name, self.rtol, self.atol))

    def _simulated(self, grid: Grid | None, func_op) -> Grid | None:
        """The grid the SPMD program runs on: a dynamic one at grid-sizes."""
        if grid is None or grid.is_static:
            return grid
        try:
            return grid.instantiate(self.parsed("grid_sizes"))
        except ShardingError as e:
            raise AutoshardError(f"autoshard-verify{{grid-sizes={self.grid_sizes}}}: {e}", func_op.location) from None

    def _wide_floats(self, ftype, runs) -> bool:
        if self.precision != "auto":
            return self.precision == "f64"
        floats = 0
        for t in ftype.inputs:
            if isinstance(t, ir.RankedTensorType) and t.has_static_shape and isinstance(t.element_type, ir.FloatType):
                floats += int(np.prod(t.shape, dtype=object))
        return floats <= _WIDE_FLOATS_LIMIT or check_runs(runs, None, True) <= _WIDE_RUN_BYTES

    def _check(self, module, original, orig_func, func_op, name) -> _Tally:
        tally = _Tally()
        ftype = ir.FunctionType(ir.TypeAttr(orig_func.attributes["function_type"]).value)
        arg_bounds = _bounds(func_op, "arg_attrs", len(ftype.inputs))
        res_bounds = _bounds(func_op, "res_attrs", len(ftype.results))
        grid_name = next((b[0].grid for b in arg_bounds + res_bounds if b), None) or named_grid(orig_func)
        declared = find_grid(module, grid_name) if grid_name else None
        grid = self._simulated(declared, func_op)
        tally.grid, tally.declared = grid, declared
        correspondence = _correspondence(orig_func, func_op, declared)
        # Intermediate values: the original's are kept until the SPMD op that
        # computes the same value runs, then compared, so the first value
        # that differs (in program order) is the one reported.
        wanted = {(o, i): (p, sh) for o, i, p, sh in correspondence}
        by_spmd: dict = {}
        for o, i, p, sh in correspondence:
            by_spmd.setdefault(p, []).append((o, i, sh))
        kept: dict = {}

        def observe_original(position, op, per_device):
            for i in range(len(op.results)):
                if (position, i) in wanted:
                    kept[(position, i)] = (per_device[0][i], op)

        def observe_spmd(position, op, per_device):
            for o, i, sh in by_spmd.get(position, []):
                want, orig_op = kept.pop((o, i), (None, None))
                if orig_op is None or orig_op.name != op.name:
                    continue  # the SPMD module changed since partitioning: results only
                what = f"the value of '{orig_op.name}'" + (f" (result #{i})" if len(orig_op.results) > 1 else "")
                got, why = _assemble(grid, sh, np.shape(want), {d: [r[i]] for d, r in per_device.items()}, 0)
                if why:
                    raise AutoshardError(f"numerical check failed: {what}: {why}", orig_op.location)
                self._compare(what, np.asarray(want), np.asarray(got), orig_op.location, tally)
                tally.intermediates += 1

        try:
            devices: Any = 1 if grid is None else int(np.prod(grid.shape, dtype=object))
            limit = parse_bytes(self.sim_memory_limit, "sim-memory-limit")
            runs = [(original, orig_func, 1), (module, func_op, devices)]
            wide = self._wide_floats(ftype, runs)
            check_runs(runs, limit, wide)
            domains = input_domains(orig_func)
            fills = domains.constants
            dynamic_size = self.dynamic_dim_size or 2 * (1 if grid is None else grid.num_devices)
            tally.dynamic_size = dynamic_size if any(not t.has_static_shape for t in ftype.inputs
                                                     if isinstance(t, ir.RankedTensorType)) else None
            inputs = dyadic_inputs(ftype, self.seed, orig_func.location, domains.args, dynamic_size)
            hand_partitioned = grid is not None and runs_on_grid(orig_func)
            if hand_partitioned:
                assert grid is not None
                return self._check_hand_partitioned(module, original, orig_func, func_op, name, grid, tally,
                                                    (ftype, domains, dynamic_size, wide, limit, arg_bounds, res_bounds))
            if grid is None:
                run: dict[str, Any] = {"fill_domains": fills, "wide_floats": wide, "memory_limit": limit}
                expected = run_function(original, name, inputs, **run)
                got = run_function(module, name, inputs, **run)
                outputs = {(): got}
            else:
                expected = run_function(original, name, inputs, observe_original, fill_domains=fills,
                                        wide_floats=wide, memory_limit=limit)
                devices = list(itertools.product(*(range(s) for s in grid.shape)))
                per_device = {
                    dev: [
                        _local_input(grid, b[0], dev, x) if b is not None and isinstance(x, np.ndarray) else x
                        for b, x in zip(arg_bounds, inputs)
                    ]
                    for dev in devices
                }
                outputs = run_spmd(module, name, per_device, observe_spmd, fill_domains=fills, wide_floats=wide,
                                   memory_limit=limit, grid=grid)
        except SimError as e:
            raise AutoshardError(f"numerical check could not run: {e.message}", e.location) from None
        for k, want in enumerate(expected):
            b = res_bounds[k]
            if b is None or grid is None:
                got = next(iter(outputs.values()))[k]
                why = None
            else:
                got, why = _assemble(grid, b[0], np.shape(want), outputs, k)
            producer = _describe_producer(orig_func, k)
            where = producer.location if producer is not None else orig_func.location
            what = f"result #{k} of @{name}" + (f" (the value of '{producer.name}')" if producer is not None else "")
            if why:
                raise AutoshardError(f"numerical check failed: {what}: {why}", where)
            self._compare(what, np.asarray(want), np.asarray(got), where, tally)
            tally.results += 1
        return tally

    def _check_hand_partitioned(self, module, original, orig_func, func_op, name, grid, tally, facts) -> _Tally:
        """Both programs on the grid, compared device by device
        (transforms/verify_local.py)."""
        ftype, domains, dynamic_size, wide, limit, arg_bounds, res_bounds = facts
        devices = grid.devices()
        distinct = not is_annotated(orig_func)
        run: dict[str, Any] = {"fill_domains": domains.constants, "wide_floats": wide, "memory_limit": limit,
                               "grid": grid}
        try:
            given = {dev: dyadic_inputs(ftype, self.seed, orig_func.location, domains.args, dynamic_size,
                                        stream=(grid.linear_index(dev),) if distinct else ())
                     for dev in devices}
            expected = run_spmd(original, name, given, **run)
            local = {dev: [device_block(grid, b[0], dev, x) if b is not None and isinstance(x, np.ndarray) else x
                           for b, x in zip(arg_bounds, given[dev])] for dev in devices}
            outputs = run_spmd(module, name, local, **run)
        except SimError as e:
            raise AutoshardError(f"numerical check could not run: {e.message}", e.location) from None
        for k in range(len(ftype.results)):
            b = res_bounds[k]
            producer = _describe_producer(orig_func, k)
            where = producer.location if producer is not None else orig_func.location
            for dev in devices:
                want = expected[dev][k]
                if b is not None and b[0].partial_axes:
                    raise AutoshardError(f"result #{k} of @{name} is partial: a hand-partitioned function's "
                                         "results are compared device by device", where)
                if b is not None and isinstance(want, np.ndarray):
                    want = device_block(grid, b[0], dev, want)
                what = f"result #{k} of @{name} on device {list(dev)}"
                self._compare(what, np.asarray(want), np.asarray(outputs[dev][k]), where, tally)
            tally.results += 1
        tally.hand_partitioned = True
        return tally

    def _compare(self, what, want, got, where, tally: _Tally):
        """Floats within rtol/atol, everything else exactly; the largest
        floating-point error goes into `tally`."""
        if want.shape != got.shape:
            raise AutoshardError(f"numerical check failed: {what} has shape {got.shape}, expected {want.shape}", where)
        flat_want, flat_got = want.reshape(-1), got.reshape(-1)
        floating = np.issubdtype(want.dtype, np.floating)
        # An element that came out of a cancellation (a sum of large partial
        # sums, each rounded to f32 on its device) cannot be held to rtol of
        # its own small value: it also passes within rtol of the tensor's
        # largest magnitude, the scale of the terms that cancelled.
        scale = _finite_max_abs(flat_want) if floating else 0.0
        largest = 0.0
        # In slices: np.isclose on a whole 1 GiB tensor makes several
        # temporaries of its size.
        for start in range(0, flat_want.size, _COMPARE_CHUNK):
            w = flat_want[start:start + _COMPARE_CHUNK]
            g = flat_got[start:start + _COMPARE_CHUNK]
            if floating:
                ok = np.isclose(g, w, rtol=self.rtol, atol=self.atol + self.rtol * scale, equal_nan=True)
            else:
                ok = g == w
            if ok.all():
                if floating:
                    largest = max(largest, _largest_error(g, w))
                continue
            first = start + int(np.argmin(ok))
            idx = tuple(int(i) for i in np.unravel_index(first, want.shape))
            if floating:
                how = (f"max abs error {_largest_error(g, w):.3g} near it; rtol {self.rtol}, atol {self.atol}, "
                       f"tensor scale {scale:.3g}")
            else:
                how = f"max abs difference {_largest_difference(g, w)} near it; {want.dtype} values must be equal"
            raise AutoshardError(
                f"numerical check failed: {what} differs from the original program "
                f"(first mismatch at index {list(idx)}: {got[idx]!r} vs {want[idx]!r}; {how})",
                where,
            )
        if floating:
            tally.float_values += 1
            tally.largest_error = max(tally.largest_error, largest)
        else:
            tally.exact_values += 1


def _correspondence(orig_func, func_op, grid) -> list:
    """(original position, result index, SPMD position, layout) for every
    SPMD op that computes (its device's piece of) an original op's result:
    matched by op name and location, which autoshard-partition keeps, where
    that pair is unique in both functions; the layout is the one
    autoshard-partition gives the result (`spmd_layouts`)."""
    if grid is None:
        return []

    def unique_positions(f) -> dict:
        where: dict = {}
        count: dict = {}
        for i, op in enumerate(f.regions[0].blocks[0].operations):
            key = (op.operation.name, str(op.operation.location))
            where[key] = i
            count[key] = count.get(key, 0) + 1
        return {k: i for k, i in where.items() if count[k] == 1}

    def result_shapes(f, position) -> list:
        op = f.regions[0].blocks[0].operations[position].operation
        return [tuple(max(s, -1) for s in ir.RankedTensorType(r.type).shape)
                if isinstance(r.type, ir.RankedTensorType) else None for r in op.results]

    spmd = unique_positions(func_op)
    out: list = []
    layouts = spmd_layouts(orig_func, grid)
    for key, o in unique_positions(orig_func).items():
        if key not in spmd or o not in layouts:
            continue
        p = spmd[key]
        # The op that keeps the original's name and location must also hold
        # the device's block (not, e.g., a whole concat a slice then cuts).
        local = result_shapes(func_op, p)
        for i, (sh, shape) in enumerate(zip(layouts[o], result_shapes(orig_func, o))):
            if sh is not None and shape is not None and i < len(local) and local[i] == sh.spmd_shape(grid, shape):
                out.append((o, i, p, sh))
    return out


def _parse_fresh(text: str, like: ir.Context) -> ir.Module:
    """`text` parsed in a new context with the dialects and settings of
    `like`, so its resource names are kept as printed."""
    ctx = new_context()
    ctx.allow_unregistered_dialects = like.allow_unregistered_dialects
    return ir.Module.parse(text, ctx)


def _largest_error(got: np.ndarray, want: np.ndarray) -> float:
    """max |got - want| over the elements where it is finite (equal
    infinities and NaNs count as agreeing)."""
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, dropped below
        diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    diff = diff[np.isfinite(diff)]
    return float(diff.max()) if diff.size else 0.0


def _largest_difference(got: np.ndarray, want: np.ndarray) -> int:
    # Exact: int64 holds any difference of narrower ints, Python ints the rest.
    wide = np.int64 if got.dtype.itemsize < 8 else object
    return int(np.max(np.abs(got.astype(wide) - want.astype(wide))))


_COMPARE_CHUNK = 1 << 22


def _finite_max_abs(flat: np.ndarray) -> float:
    """max |x| over the finite elements (a mask of -inf must not make every
    tolerance infinite), in slices to keep temporaries small."""
    best = 0.0
    for start in range(0, flat.size, _COMPARE_CHUNK):
        chunk = np.abs(flat[start:start + _COMPARE_CHUNK])
        chunk = chunk[np.isfinite(chunk)]
        if chunk.size:
            best = max(best, float(chunk.max()))
    return best


def _bounds(func_op, key, n):
    if key not in func_op.attributes:
        return [None] * n
    return [boundary_from_attrs(ir.DictAttr(d)) for d in func_op.attributes[key]]
