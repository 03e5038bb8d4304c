"""autoshard-run: run a program and its SPMD form as native code, the SPMD
form on N MPI ranks, and compare the results.

    autoshard-run FILE.mlir --pass-pipeline=PIPELINE --ranks N [--seed S]
                  [--rtol R --atol A] [--function NAME] [--bytes]

PIPELINE is an autoshard-opt pipeline ending in the SPMD form (it must
contain autoshard-partition).  The module before partitioning is compiled
for one process, the SPMD module -- collectives lowered by autoshard-to-mpi,
the rest by stock MLIR 22 passes (tools/native.py) -- for N ranks started by
MPICH's `mpiexec`.  Both get the same seeded inputs as autoshard-verify
(dyadic values); each rank gets its block of every argument per the layouts
the SPMD module records at its boundary, the results are reassembled from the
ranks' blocks and compared with autoshard-verify's tolerances.

Prints one line per program (seconds the call took, processes), the
largest error, and with --bytes what each rank handed to MPI per collective
against what the cost model charges.  Exit 0 on a match; 1 on a mismatch
(located at the first differing result) or any other error.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from autoshard.diagnostics import AutoshardError, SourceLoc, source_loc
from autoshard.tools.render import SourceFiles

TOOL = "autoshard-run"
_MPIEXEC_TIMEOUT = 900


@dataclass
class CollectiveBytes:
    ident: int
    kind: str
    axes: tuple
    group_size: int
    location: SourceLoc | None
    sent_per_rank: list  # bytes each rank passed to MPI
    model: float  # bytes per device the cost model charges

    @property
    def mean(self) -> float:
        return sum(self.sent_per_rank) / len(self.sent_per_rank)

    @property
    def measured(self) -> float:
        """What to hold against the model: the mean over ranks; for a halo
        exchange the largest (the model charges an interior rank, which has
        both neighbours; the ends of the group send less)."""
        return max(self.sent_per_rank) if self.kind == "update_halo" else self.mean


@dataclass
class RunResult:
    ranks: int
    original_seconds: float
    spmd_seconds: float
    max_error: float
    collectives: list = field(default_factory=list)


def _render(message: str, loc: SourceLoc | None, sources: SourceFiles) -> str:
    from autoshard.tools.render import render

    if loc is None:
        return f"{TOOL}: error: {message}\n"
    return render("error", message, loc, sources)


def _strip_annotations(module) -> None:
    """The module before partitioning still holds `shard.shard` /
    `shard.sharding` annotations: layout statements with no runtime effect."""
    from autoshard.transforms.to_mpi import _walk

    ops: list = []
    _walk(module.operation, ops)
    for op in reversed(ops):
        if op.name == "shard.shard":
            op.results[0].replace_all_uses_with(op.operands[0])
            op.erase()
    ops = []
    _walk(module.operation, ops)
    for op in reversed(ops):
        if op.name == "shard.sharding":
            op.erase()


def model_bytes(c) -> float:
    """Bytes per device the cost model charges for collective `c`: its own
    formula (cost/model.py `collective_cost`) on a link of alpha 0, beta 1."""
    from autoshard.cost.cluster import Cluster
    from autoshard.cost.model import collective_cost
    from autoshard.sharding import Grid

    class _Local:  # a layout whose local shape is the op's operand / result type
        def __init__(self, shape):
            self.shape = shape

        def local_shape(self, grid, shape):
            return self.shape

    from autoshard.transforms.mpi_collectives import MPI_ELEMENT_TYPES

    grid = Grid("g", tuple(c.grid_shape))
    cluster = Cluster(alpha=0.0, beta=1.0, memory_bandwidth=math.inf)
    if c.kind == "update_halo":
        from autoshard.cost.model import CostModel

        model = CostModel(cluster, grid)
        isz = MPI_ELEMENT_TYPES[c.elem]
        row = math.prod(c.in_shape) * isz
        return sum(model.halo_cost(axes, lo * row // c.in_shape[dim], hi * row // c.in_shape[dim])
                   for dim, axes, lo, hi in c.halos)
    # A duck-typed stand-in for a reshard Step.
    step: Any = SimpleNamespace(kind=c.kind, axes=c.axes, before=_Local(c.in_shape), after=_Local(c.out_shape))
    return collective_cost(cluster, grid, step, None, MPI_ELEMENT_TYPES[c.elem])


def _original_program(module, state, name: str):
    """The program before autoshard-partition, in a context of its own (so
    named resources keep their names): kept in the module as
    `@autoshard.original.<name>`, or (older partitioners) as text in the
    pipeline state."""
    from autoshard.ir import ir, new_context
    from autoshard.transforms import common

    if hasattr(common, "original_module") and common.originals(module):
        return common.original_module(module, name)
    text = getattr(state, "original_text", None)
    if text is None:
        raise AutoshardError("the pipeline does not produce the SPMD form: end it with autoshard-partition")
    ctx = new_context()
    ctx.allow_unregistered_dialects = module.context.allow_unregistered_dialects
    return ir.Module.parse(text, ctx)


def _pick_function(module, name: str | None):
    from autoshard.ir import ir
    from autoshard.transforms.common import entry_functions

    funcs = entry_functions(module)
    names = [ir.StringAttr(f.attributes["sym_name"]).value for f in funcs]
    if name is None:
        if len(funcs) != 1:
            raise AutoshardError(f"the module has {len(funcs)} entry functions ({', '.join(names) or 'none'}): "
                                 "choose one with --function")
        return funcs[0], names[0]
    if name not in names:
        raise AutoshardError(f"no entry function @{name} (entry functions: {', '.join(names) or 'none'})")
    return funcs[names.index(name)], name


def _rank_shape(grid, dev, bound, spmd_type) -> list[int]:
    """The shape of a result on device `dev`: its SPMD type, with the
    device's block size (plus halos) where the type is dynamic."""
    from autoshard.ir import ir

    shape = list(ir.RankedTensorType(spmd_type).shape)
    if bound is None:
        return shape
    sh, global_type = bound
    block = sh.block(grid, tuple(ir.RankedTensorType(global_type).shape), dev)
    return [hi - lo + sum(sh.dim_halo(d)) if s < 0 else s for d, (s, (lo, hi)) in enumerate(zip(shape, block))]


def _launch_ranks(llvm_text: str, name: str, blocks: list, results: list, workdir: str | None):
    """Runs the SPMD program on one MPI rank per entry of `blocks` (rank r
    gets blocks[r], its argument blocks, and results[r], the shapes and
    dtypes of its results); returns each rank's outputs and
    stats (seconds, bytes sent per collective)."""
    from autoshard.tools.native import mpich_paths

    mpiexec, libmpi = mpich_paths()
    ranks = len(blocks)
    with tempfile.TemporaryDirectory(prefix="autoshard-run-") as tmp:
        work = Path(workdir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        (work / "spmd.llvm.mlir").write_text(llvm_text)
        (work / "meta.json").write_text(json.dumps(
            {"function": name, "inputs": len(blocks[0]), "results": results, "libmpi": libmpi}))
        for r, args in enumerate(blocks):
            for i, block in enumerate(args):
                np.save(work / f"in.{r}.{i}.npy", np.ascontiguousarray(block))
        cmd = [mpiexec, "-n", str(ranks), sys.executable, "-m", "autoshard.tools.native", str(work)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=_MPIEXEC_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AutoshardError(f"the SPMD program did not finish on {ranks} MPI ranks within {_MPIEXEC_TIMEOUT} s") from None
        if proc.returncode != 0:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
            raise AutoshardError(f"the SPMD program failed on {ranks} MPI ranks (mpiexec exit {proc.returncode}):\n{tail}")
        outputs = [[np.load(work / f"out.{r}.{k}.npy") for k in range(len(results[r]))] for r in range(ranks)]
        stats = [json.loads((work / f"stats.{r}.json").read_text()) for r in range(ranks)]
    return outputs, stats


def run_program(path: str, pipeline: str, ranks: int, seed: int = 0, rtol: float = 1e-5, atol: float = 1e-6,
                function: str | None = None, workdir: str | None = None) -> RunResult:
    from autoshard.graph import find_grid
    from autoshard.ir import ir, new_context
    from autoshard.ir.loader import DiagnosticCollector, load_module
    from autoshard.sim.values import np_dtype
    from autoshard.tools.driver import build_steps, run_steps
    from autoshard.tools.elided import fill_elided_constants
    from autoshard.tools.native import CompiledProgram, lower_to_llvm_guarded, mpich_paths, prepare_entry
    from autoshard.tools.pipeline import parse_pipeline
    from autoshard.transforms.base import PipelineState
    from autoshard.sim.domains import input_domains
    from autoshard.transforms.to_mpi import ToMPIPass, collectives_by_function, describe, drop_kept_originals
    from autoshard.transforms.verify import (VerifyPass, _assemble, _bounds, _describe_producer, _local_input,
                                             _Tally, dyadic_inputs)

    try:
        text = Path(path).read_text()
    except OSError as err:
        raise AutoshardError(f"cannot read {path}: {err.strerror}") from None
    steps = build_steps(parse_pipeline(pipeline))
    ctx = new_context()
    state = PipelineState(source_name=path)
    module = load_module(text, path, ctx)
    with ctx, DiagnosticCollector(ctx, path):
        run_steps(module, steps, state)
    spmd_func, name = _pick_function(module, function)
    original = _original_program(module, state, name)
    drop_kept_originals(module)
    ftype_spmd = ir.FunctionType(ir.TypeAttr(spmd_func.attributes["function_type"]).value)
    orig_func = next(f for f in original.body.operations
                     if f.operation.name == "func.func" and ir.StringAttr(f.attributes["sym_name"]).value == name)
    ftype = ir.FunctionType(ir.TypeAttr(orig_func.attributes["function_type"]).value)
    arg_bounds = _bounds(spmd_func, "arg_attrs", len(ftype.inputs))
    res_bounds = _bounds(spmd_func, "res_attrs", len(ftype.results))
    grid_name = next((b[0].grid for b in arg_bounds + res_bounds if b), None)
    grid = find_grid(module, grid_name) if grid_name else None
    if grid is None:
        raise AutoshardError(f"@{name} records no grid at its boundary: nothing to run on MPI ranks", spmd_func.location)
    if not grid.is_static:
        raise AutoshardError(f"@{name} runs on grid @{grid.name} of shape {grid.shape_text}: MPI ranks need a static "
                             "grid (autoshard-verify{grid-sizes=...} simulates it at given sizes)", spmd_func.location)
    devices = list(itertools.product(*(range(s) for s in grid.shape)))
    if ranks != len(devices):
        raise AutoshardError(f"--ranks {ranks}, but the SPMD program runs on grid @{grid.name} "
                             f"({'x'.join(map(str, grid.shape))}) of {len(devices)} devices: use --ranks {len(devices)}")
    domains = input_domains(orig_func)
    inputs = dyadic_inputs(ftype, seed, orig_func.location, domains.args)
    # Weights without data get the simulator's pseudo-random values, the
    # same in both programs.
    fill_elided_constants(module, domains.constants)
    fill_elided_constants(original, domains.constants)
    checks = []  # (what, where) per result: the original's producers, located
    for k in range(len(ftype.results)):
        producer = _describe_producer(orig_func, k)
        where = producer.location if producer is not None else orig_func.location
        checks.append((f"result #{k} of @{name}" + (f" (the value of '{producer.name}')" if producer else ""), where))
    # The collectives of the function that runs, with their module-wide numbers.
    described = [(ident, op.location, describe(module, op))
                 for ident, (fn, op) in enumerate(collectives_by_function(module)) if fn == name]
    spmd_func_loc = spmd_func.location
    ToMPIPass(count_bytes=True).run(module, state)
    prepare_entry(module, name)
    spmd_llvm = lower_to_llvm_guarded(module, path, spmd_func_loc)

    _strip_annotations(original)
    prepare_entry(original, name)
    original_llvm = lower_to_llvm_guarded(original, path, orig_func.location)
    mpich_paths()  # a missing MPICH is an error before the single-process run

    expected = [np.zeros(tuple(ir.RankedTensorType(t).shape), dtype=np_dtype(ir.RankedTensorType(t).element_type))
                for t in ftype.results]
    program = CompiledProgram(original_llvm, name)
    start = time.perf_counter()
    program.call([np.ascontiguousarray(x) for x in inputs], expected)
    original_seconds = time.perf_counter() - start

    blocks = [[_local_input(grid, b[0], dev, x) if b is not None else x for b, x in zip(arg_bounds, inputs)]
              for dev in devices]
    # Per rank: an uneven block's size (dynamic in the type) is the device's own.
    results = [[(_rank_shape(grid, dev, b, t), np_dtype(ir.RankedTensorType(t).element_type).str)
                for b, t in zip(res_bounds, ftype_spmd.results)] for dev in devices]
    outputs, stats = _launch_ranks(spmd_llvm, name, blocks, results, workdir)
    outputs = dict(zip(devices, outputs))
    spmd_seconds = max(s["seconds"] for s in stats)
    checker = VerifyPass(seed=seed, rtol=rtol, atol=atol)
    tally = _Tally()
    for k, want in enumerate(expected):
        what, where = checks[k]
        got, why = _assemble(grid, res_bounds[k][0], want.shape, outputs, k) if res_bounds[k] else (outputs[devices[0]][k], None)
        if why:
            raise AutoshardError(f"MPI run differs from the single process: {what}: {why}", where)
        try:
            checker._compare(what, want, got, where, tally)
        except AutoshardError as err:
            raise AutoshardError(err.message.replace("numerical check failed", "MPI run differs from the single process")
                                 .replace("the original program", "the single-process run"), err.loc) from None
    max_error = tally.largest_error
    counted = []
    for ident, loc, c in described:
        sent = [int(s["sent"].get(str(ident), 0)) for s in stats]
        counted.append(CollectiveBytes(ident, c.kind, c.axes, c.group_size, source_loc(loc), sent, model_bytes(c)))
    return RunResult(ranks, original_seconds, spmd_seconds, max_error, counted)


class _Parser(argparse.ArgumentParser):
    """Argument errors are user errors: `autoshard-run: error: ...`, exit 1
    (as autoshard-opt), not argparse's exit 2."""

    def error(self, message: str):
        raise AutoshardError(message)


def _argument_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=TOOL, description="Run a program and its SPMD form (on MPI ranks) natively and compare.")
    p.add_argument("input")
    p.add_argument("--pass-pipeline", required=True, help="autoshard-opt pipeline ending in autoshard-partition")
    p.add_argument("--ranks", type=int, required=True, help="MPI ranks: the number of devices of the grid")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rtol", type=float, default=1e-5)
    p.add_argument("--atol", type=float, default=1e-6)
    p.add_argument("--function", default=None, help="entry function (needed when there are several)")
    p.add_argument("--bytes", action="store_true", help="print the bytes each rank passed to MPI per collective")
    p.add_argument("--keep", default=None, metavar="DIR", help="keep the ranks' inputs, outputs and program in DIR")
    p.add_argument("--load-pass-plugin", action="append", default=[], metavar="FILE.py",
                   help="import a Python file that registers passes (as autoshard-opt)")
    return p


def format_bytes_table(result: RunResult) -> str:
    lines = []
    for c in result.collectives:
        where = f" at {c.location}" if c.location else ""
        ratio = f"{c.measured / c.model:.3f}" if c.model else ("exact" if c.measured == 0 else "inf")
        what = "max" if c.kind == "update_halo" else "mean"
        lines.append(f"collective #{c.ident} {c.kind} grid_axes={list(c.axes)} (group of {c.group_size}){where}: "
                     f"{c.measured:.0f} B/rank sent ({what}; min {min(c.sent_per_rank)}, max {max(c.sent_per_rank)}), "
                     f"cost model {c.model:.0f} B, ratio {ratio}")
    return "\n".join(lines)


def main(argv=None) -> int:
    try:
        args = _argument_parser().parse_args(argv)
    except AutoshardError as err:
        sys.stderr.write(_render(err.message, None, SourceFiles()))
        return 1
    sources = SourceFiles()
    try:
        sources.add(args.input, Path(args.input).read_text())
    except OSError:
        pass
    try:
        if args.ranks < 1:
            raise AutoshardError(f"--ranks must be positive, got {args.ranks}")
        for plugin in args.load_pass_plugin:
            from autoshard.tools.opt import _load_plugin

            _load_plugin(plugin)
        result = run_program(args.input, args.pass_pipeline, args.ranks, args.seed, args.rtol, args.atol,
                             args.function, args.keep)
    except AutoshardError as err:
        sys.stderr.write(_render(err.message, err.loc, sources))
        return 1
    except Exception as err:  # a bug, reported as autoshard-opt does
        if os.environ.get("AUTOSHARD_TRACEBACK"):
            raise
        sys.stderr.write(f"{TOOL}: error: internal error: {type(err).__name__}: {err}\n")
        return 2
    print(f"original: 1 process, {result.original_seconds:.6f} s")
    print(f"spmd: {result.ranks} MPI ranks, {result.spmd_seconds:.6f} s")
    if args.bytes and result.collectives:
        print(format_bytes_table(result))
    print(f"largest error {result.max_error:.3g} (rtol {args.rtol}, atol {args.atol}): match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
