"""Passes for the driver's own lit tests, loaded with
`autoshard-opt --load-pass-plugin=%S/Inputs/driver_test_passes.py`.
They exercise the driver's handling of errors, warnings, reports and
option parsing independently of the real autoshard passes."""

from __future__ import annotations

from dataclasses import dataclass, field

from autoshard.diagnostics import AutoshardError
from autoshard.ir import ir
from autoshard.transforms.base import Pass, PipelineState, register_pass


def _walk(op):
    for region in op.regions:
        for block in region.blocks:
            for child in block.operations:
                yield child
                yield from _walk(child.operation)


@register_pass
@dataclass(frozen=True)
class FailAtOp(Pass):
    name = "test-fail-at-op"
    summary = "Fail with a located error at the first op of a given name"

    op_name: str = field(default="tosa.add", metadata={"help": "operation to fail at"})

    def run(self, module, state: PipelineState) -> None:
        for op in _walk(module.operation):
            if op.operation.name == self.op_name:
                raise AutoshardError(f"test failure at {self.op_name}", op.location)


@register_pass
@dataclass(frozen=True)
class WarnEachFunc(Pass):
    name = "test-warn-each-func"
    summary = "Warn once per function, at the function"

    def run(self, module, state: PipelineState) -> None:
        for op in module.body.operations:
            if op.operation.name == "func.func":
                state.warn(f"visited {op.attributes['sym_name']}", op.location)


@register_pass
@dataclass(frozen=True)
class AppendTag(Pass):
    name = "test-append-tag"
    summary = "Append a tag to the module's test.tags string, to observe pass order"

    tag: str = field(default="x", metadata={"help": "text to append"})
    times: int = field(default=1, metadata={"help": "how often"})
    upper: bool = field(default=False, metadata={"help": "upper-case the tag"})

    def run(self, module, state: PipelineState) -> None:
        attrs = module.operation.attributes
        old = ir.StringAttr(attrs["test.tags"]).value if "test.tags" in attrs else ""
        tag = self.tag.upper() if self.upper else self.tag
        with module.context:
            attrs["test.tags"] = ir.StringAttr.get(old + tag * self.times)
        state.reports.append(f"appended {tag!r} x{self.times}")


@register_pass
@dataclass(frozen=True)
class BreakIR(Pass):
    name = "test-break-ir"
    summary = "Leave invalid IR behind (a func.return with no operands in a function returning a value)"

    def run(self, module, state: PipelineState) -> None:
        for op in _walk(module.operation):
            if op.operation.name == "func.return" and len(op.operands):
                with module.context, op.location:
                    ir.Operation.create("func.return", ip=ir.InsertionPoint(op))
                op.operation.erase()
                return


@register_pass
@dataclass(frozen=True)
class Crash(Pass):
    name = "test-crash"
    summary = "Raise a non-autoshard exception (a bug) to test internal-error reporting"

    def run(self, module, state: PipelineState) -> None:
        raise ZeroDivisionError("deliberate")
