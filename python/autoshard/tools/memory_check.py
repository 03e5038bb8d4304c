"""Modelled against measured memory: plan a file under a budget that binds,
partition it, run the SPMD program in the simulator and compare the plan's
modelled per-device peak with the peak of live tensor bytes measured there
(sim/liveness.py, the same liveness rule).

    python -m autoshard.tools.memory_check FILE --grid 2x4 [--time-limit 2]

The budget binds: the smallest of FRACTIONS of the unconstrained plan's
peak that the solver meets.  Prints one line
per entry function; exit 0 when modelled >= measured everywhere.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Budgets tried, as fractions of the unconstrained plan's peak per device.
FRACTIONS = (0.5, 0.7, 0.85)


@dataclass
class MemoryCase:
    function: str
    budget: int
    modelled: int  # the plan report's peak per device
    measured: int  # the largest over devices, simulated
    where: str  # the SPMD op at the measured peak

    @property
    def holds(self) -> bool:
        return self.modelled >= self.measured


def _plan(module_text: str, source: str, grid: str, budget: int | None, time_limit: float):
    """(state, module) of autoshard + autoshard-partition, or None when the budget is infeasible."""
    from autoshard.api import run_pipeline
    from autoshard.diagnostics import AutoshardError
    from autoshard.ir import new_context
    from autoshard.ir.loader import load_module

    ctx = new_context()
    module = load_module(module_text, source, ctx)
    opts = f"grid={grid} time-limit={time_limit:g} baseline=none" + (f" memory-budget={budget}B" if budget else "")
    with ctx:
        try:
            state = run_pipeline(module, f"autoshard{{{opts}}},autoshard-partition")
        except AutoshardError as err:
            if "infeasible" in err.message or "was not met" in err.message:
                return None
            raise
    return state, module, ctx


def check(path: Path, grid: str, fractions=FRACTIONS, time_limit: float = 2.0) -> list[MemoryCase]:
    """Plan under the smallest budget, among `fractions` of the unconstrained
    plan's peak, that the solver meets (the unconstrained peak itself if it
    meets none of them), and measure."""
    text = path.read_text()
    free = _plan(text, str(path), grid, None, time_limit)
    assert free is not None  # no budget: never infeasible on memory
    peak = max(r.data["totals"]["peak_memory_bytes"] for r in free[0].reports)
    planned = None
    for f in sorted(fractions):
        budget = math.ceil(f * peak)
        planned = _plan(text, str(path), grid, budget, time_limit)
        if planned is not None:
            break
    if planned is None:
        budget, planned = peak, _plan(text, str(path), grid, peak, time_limit)
    assert planned is not None  # the unconstrained plan meets its own peak
    state, module, ctx = planned
    with ctx:
        modelled = {r.data["function"]: r.data["totals"]["peak_memory_bytes"] for r in state.reports}
        return [_measure(module, name, budget, p) for name, p in modelled.items()]


def _measure(module, name: str, budget: int, modelled: int) -> MemoryCase:
    from autoshard.ir import ir
    from autoshard.sim import run_spmd
    from autoshard.sim.domains import input_domains
    from autoshard.sim.liveness import LivePeak
    from autoshard.transforms.common import functions, original_module
    from autoshard.transforms.verify import _bounds, _local_input, dyadic_inputs
    from autoshard.graph.build import find_grid

    spmd = next(f for f in functions(module) if ir.StringAttr(f.attributes["sym_name"]).value == name)
    original = original_module(module, name)
    orig_func = next(f for f in functions(original) if ir.StringAttr(f.attributes["sym_name"]).value == name)
    ftype = ir.FunctionType(ir.TypeAttr(orig_func.attributes["function_type"]).value)
    arg_bounds = _bounds(spmd, "arg_attrs", len(ftype.inputs))
    grid_name = next((b[0].grid for b in arg_bounds if b), None)
    grid = find_grid(module, grid_name)
    assert grid is not None  # a partitioned function names its grid
    domains = input_domains(orig_func)
    inputs = dyadic_inputs(ftype, 0, orig_func.location, domains.args)
    devices = list(itertools.product(*(range(s) for s in grid.shape)))
    per_device = {dev: [_local_input(grid, b[0], dev, x) if b is not None and isinstance(x, np.ndarray) else x
                        for b, x in zip(arg_bounds, inputs)] for dev in devices}
    meter = LivePeak(spmd)
    meter.start(per_device)
    run_spmd(module, name, per_device, meter.observe, fill_domains=domains.constants, grid_name=grid.name)
    dev = max(meter.peak, key=lambda d: meter.peak[d])
    position = meter.where[dev]
    ops = list(spmd.regions[0].blocks[0].operations)
    where = "arguments" if position < 0 else f"{ops[position].operation.name} (op {position})"
    return MemoryCase(name, budget, modelled, meter.max_peak, where)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--grid", default="2x4")
    parser.add_argument("--time-limit", type=float, default=2.0)
    args = parser.parse_args(argv)
    if not args.file.exists():
        print(f"{args.file}: error: no such file", file=sys.stderr)
        return 1
    ok = True
    for case in check(args.file, args.grid, time_limit=args.time_limit):
        ok &= case.holds
        print(f"{args.file} @{case.function} grid {args.grid}: budget {case.budget} B, modelled peak "
              f"{case.modelled} B, measured {case.measured} B at {case.where}: "
              f"{'holds' if case.holds else 'BELOW THE MEASURE'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
