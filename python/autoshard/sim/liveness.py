"""The per-device peak of live tensor bytes while the simulator runs a
function: the measure the planner's memory model must never fall below.

Liveness rule (the planner's, docs/ilp.md): a value is live from the op that
defines it to its last use, both included; an argument from the start to its
last use; a value nobody uses only at its definition.  So while an op runs,
its operands and results are live together.  Bytes are the element count of
the array a device holds times the size of the element type (a tensor's
type, not the simulator's wider working dtype); non-tensor values (shapes,
indices, shardings) count nothing.
"""

from __future__ import annotations

import numpy as np

from autoshard.ir import ir

ITEMSIZE = {"i1": 1, "i4": 1, "i8": 1, "i16": 2, "i32": 4, "i48": 8, "i64": 8,
            "f16": 2, "bf16": 2, "f32": 4, "f64": 8, "index": 8}


def _itemsize(t) -> int:
    """Element size in bytes of a ranked tensor type, 0 for anything else."""
    try:
        rt = ir.RankedTensorType(t)
    except (ValueError, TypeError):
        return 0
    return ITEMSIZE.get(str(rt.element_type), 4)


class LivePeak:
    """An `observe` for run_spmd (and the arguments, given first) that
    records, per device, the peak of live tensor bytes over the ops of `fn`."""

    def __init__(self, fn):
        block = fn.regions[0].blocks[0]
        self._last: dict = {}  # ir.Value -> position of its last use
        ops = [o.operation for o in block.operations]
        for position, op in enumerate(ops):
            for v in op.operands:
                self._last[v] = position
        self._args = list(block.arguments)
        self._results = [list(op.results) for op in ops]
        self._live: dict = {}  # device -> {value: bytes}
        self.peak: dict = {}  # device -> bytes
        self.where: dict = {}  # device -> position of the peak

    def start(self, per_device_inputs: dict) -> None:
        for dev, args in per_device_inputs.items():
            live = self._live[dev] = {}
            for arg, x in zip(self._args, args):
                size = _itemsize(arg.type)
                if size and arg in self._last:
                    live[arg] = int(np.size(x)) * size
            self.peak[dev], self.where[dev] = sum(live.values()), -1

    def observe(self, position: int, op, per_device: dict) -> None:
        results = self._results[position]
        for dev, outs in per_device.items():
            live = self._live[dev]
            for v, x in zip(results, outs):
                size = _itemsize(v.type)
                if size:
                    live[v] = int(np.size(x)) * size
            total = sum(live.values())
            if total > self.peak[dev]:
                self.peak[dev], self.where[dev] = total, position
            for v in [v for v in live if self._last.get(v, position) <= position]:
                del live[v]

    @property
    def max_peak(self) -> int:
        return max(self.peak.values(), default=0)
