"""Shared helpers of the test_sim_* tests (no tests here)."""

from __future__ import annotations

from pathlib import Path

from autoshard.ir import ir, new_context

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def parse(src: str) -> ir.Module:
    """Parse and verify a module in a fresh context (the module keeps it alive)."""
    with new_context():
        module = ir.Module.parse(src)
        assert module.operation.verify()
    return module


def func_type(module: ir.Module, name: str):
    for op in module.body.operations:
        if op.operation.name == "func.func" and op.attributes["sym_name"].value == name:
            return op.type
    raise KeyError(name)
