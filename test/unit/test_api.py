"""autoshard as a library: run_pipeline, and its passes inside an MLIR
PassManager next to upstream passes."""

from pathlib import Path

import pytest

from autoshard.api import add_to_pass_manager, run_pipeline
from autoshard.diagnostics import AutoshardError
from autoshard.ir import ir, new_context, passmanager

MLP = (Path(__file__).resolve().parents[2] / "examples" / "mlp_small.mlir").read_text()


def test_run_pipeline_in_place():
    module = ir.Module.parse(MLP, new_context())
    state = run_pipeline(module, "builtin.module(autoshard{grid=4 memory-budget=12KiB},autoshard-partition,autoshard-verify)")
    assert "total modelled cost" in state.reports[0]
    assert "shard.reduce_scatter" in str(module) or "shard.all_reduce" in str(module)


def test_pass_manager_with_upstream_passes():
    ctx = new_context()
    module = ir.Module.parse(MLP, ctx)
    pm = passmanager.PassManager.parse("builtin.module(canonicalize)", context=ctx)
    state = add_to_pass_manager(pm, "autoshard", grid="2x4", memory_budget="12KiB")
    add_to_pass_manager(pm, "autoshard-partition", state=state)
    add_to_pass_manager(pm, "autoshard-verify", state=state)
    pm.run(module.operation)
    text = str(module)
    assert "shard.grid @grid(shape = 2x4)" in text and "autoshard.global_type" in text


def test_pass_manager_failure_is_a_diagnostic():
    ctx = new_context()
    module = ir.Module.parse(MLP, ctx)
    pm = passmanager.PassManager.parse("builtin.module(canonicalize)", context=ctx)
    add_to_pass_manager(pm, "autoshard", grid="2x4", memory_budget="1KiB")
    with pytest.raises(ir.MLIRError) as info:
        pm.run(module.operation)
    assert "memory budget 1.00 KiB per device is infeasible" in str(info.value.error_diagnostics[0].message)


def test_unknown_pass():
    with pytest.raises(AutoshardError, match="unknown pass 'nope'"):
        run_pipeline(ir.Module.parse(MLP, new_context()), "nope")
