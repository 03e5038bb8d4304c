"""Op handler registries: adding an op is one decorated function.

Two kinds of handlers, because SPMD execution is lockstep over devices:

* LOCAL[name](op, args, dev) -> result — runs once per device on that
  device's operand values. `op` is an `ir.Operation`, `dev` a `Device`
  (coordinates + grid, for ops like `shard.process_multi_index`).
* COLLECTIVE[name](op, args_per_device, run) -> results_per_device — runs
  once per op with every device's operands, in `run.devices` order; `run`
  exposes `.grid` and `.devices`.

A handler returns the value itself for a one-result op and a list of values
otherwise. Results may be computed wide (float64/int64): the interpreter
rounds them to the declared result types.
"""

from __future__ import annotations

from typing import Callable

LOCAL: dict[str, Callable] = {}
COLLECTIVE: dict[str, Callable] = {}


def local(*names: str):
    def register(fn):
        for n in names:
            LOCAL[n] = fn
        return fn

    return register


def collective(*names: str):
    def register(fn):
        for n in names:
            COLLECTIVE[n] = fn
        return fn

    return register
