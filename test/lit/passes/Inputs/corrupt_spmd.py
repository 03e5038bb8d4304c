"""A pass for autoshard-verify's negative test: it breaks an SPMD program the
way a wrong partitioner would (a sum all_reduce becomes a max), so the
numerical check must fail and name the value."""

from __future__ import annotations

from dataclasses import dataclass

from autoshard.ir import ir
from autoshard.transforms.base import Pass, PipelineState, register_pass


@register_pass
@dataclass(frozen=True)
class BreakReductions(Pass):
    name = "test-break-reductions"
    summary = "Turn every sum reduction of a collective into max"

    def run(self, module, state: PipelineState) -> None:
        for f in module.body.operations:
            for region in f.operation.regions:
                for block in region.blocks:
                    for op in block.operations:
                        if "reduction" in op.operation.attributes:
                            with module.context:
                                op.operation.attributes["reduction"] = ir.Attribute.parse("#shard<partial max>")


@register_pass
@dataclass(frozen=True)
class BreakClamps(Pass):
    name = "test-break-clamps"
    summary = "Raise the lower bound of every tosa.clamp to 0.5"

    def run(self, module, state: PipelineState) -> None:
        for f in module.body.operations:
            for region in f.operation.regions:
                for block in region.blocks:
                    for op in block.operations:
                        if op.operation.name == "tosa.clamp":
                            with module.context, ir.Location.unknown():
                                op.operation.attributes["min_val"] = ir.FloatAttr.get(ir.F32Type.get(), 0.5)
