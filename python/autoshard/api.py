"""autoshard from Python: run a pipeline on a module, or put autoshard's
passes into an MLIR `PassManager` next to upstream passes.

    from autoshard.api import run_pipeline, add_to_pass_manager
    state = run_pipeline(module, "autoshard{grid=2x4 memory-budget=160MiB},autoshard-partition")
    print(state.reports[0])

    pm = PassManager.parse("builtin.module(canonicalize)")
    add_to_pass_manager(pm, "autoshard", grid="2x4")
    add_to_pass_manager(pm, "autoshard-partition")
    pm.run(module.operation)     # an AutoshardError becomes an MLIR diagnostic + pass failure

Note that `pm.run` invalidates op handles held across it (MLIR semantics).
"""

from __future__ import annotations

from autoshard.diagnostics import AutoshardError
from autoshard.ir import ir
from autoshard.transforms import PASSES, Pass, PipelineState
from autoshard.transforms.base import ModuleView


def make_pass(name: str, **options) -> Pass:
    """A configured pass; options by field name (memory_budget=...) or
    by command-line spelling in a dict ({'memory-budget': ...})."""
    if name not in PASSES:
        raise AutoshardError(f"unknown pass '{name}' (known: {', '.join(sorted(PASSES))})")
    cls = PASSES[name]
    return cls.from_options({k.replace("_", "-"): str(v) for k, v in options.items()})


def run_pipeline(module, pipeline: str, state: PipelineState | None = None) -> PipelineState:
    """Runs a comma-separated list of autoshard passes (mlir-opt syntax,
    optionally wrapped in builtin.module(...)) on `module` in place."""
    from autoshard.tools.pipeline import parse_pipeline

    state = state or PipelineState()
    if not pipeline.strip().startswith("builtin.module("):
        pipeline = f"builtin.module({pipeline})"
    for spec in parse_pipeline(pipeline):
        if spec.name not in PASSES:
            raise AutoshardError(f"unknown pass '{spec.name}' (known: {', '.join(sorted(PASSES))})")
        PASSES[spec.name].from_options(dict(spec.options)).run(module, state)
    return state


def add_to_pass_manager(pm, name: str, state: PipelineState | None = None, **options) -> PipelineState:
    """Adds autoshard pass `name` to an MLIR PassManager (anchored on
    builtin.module). The passes talk through the IR only (autoshard-partition
    keeps the original function in the module for autoshard-verify); `state`
    only collects the reports and warnings, and passes added with the same
    one collect into it. Returns the state."""
    p = make_pass(name, **options)
    state = state if state is not None else PipelineState()

    def run(op, pass_):
        try:
            p.run(ModuleView(op), state)
        except AutoshardError as err:
            with op.context:
                if err.loc is not None:
                    loc = ir.Location.file(err.loc.file, err.loc.line, err.loc.col)
                else:
                    loc = op.location
                loc.emit_error(err.message)
            pass_.signal_pass_failure()

    # No op_name: an anchored Python pass is refused by a module-level
    # PassManager in these bindings; the pass itself only touches the module.
    pm.add(run, name=name, argument=name, description=p.summary)
    return state
