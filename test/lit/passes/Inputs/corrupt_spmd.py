"""Passes for autoshard-verify's negative tests: they break an SPMD program
the way a wrong partitioner would, so the numerical check must fail and name
the value that differs first."""

from __future__ import annotations

from dataclasses import dataclass

from autoshard.ir import ir
from autoshard.transforms.base import Pass, PipelineState, register_pass
from autoshard.transforms.common import ORIGINAL_OF


def _ops(module):
    """The ops of the SPMD functions (not the originals partition keeps)."""
    for f in module.body.operations:
        if ORIGINAL_OF in f.operation.attributes:
            continue
        for region in f.operation.regions:
            for block in region.blocks:
                for op in block.operations:
                    yield op.operation


@register_pass
@dataclass(frozen=True)
class BreakReductions(Pass):
    name = "test-break-reductions"
    summary = "Turn every sum reduction of a collective into max"

    def run(self, module, state: PipelineState) -> None:
        with module.context:
            for op in _ops(module):
                if "reduction" in op.attributes:
                    op.attributes["reduction"] = ir.Attribute.parse("#shard<partial max>")


@register_pass
@dataclass(frozen=True)
class BreakClamps(Pass):
    name = "test-break-clamps"
    summary = "Raise the lower bound of every tosa.clamp to 0.5"

    def run(self, module, state: PipelineState) -> None:
        with module.context, ir.Location.unknown():
            for op in _ops(module):
                if op.name == "tosa.clamp":
                    op.attributes["min_val"] = ir.FloatAttr.get(ir.F32Type.get(), 0.5)
