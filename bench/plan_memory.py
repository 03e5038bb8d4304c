"""A plan's cost, memory and traffic at given budgets:

    python bench/plan_memory.py FILE --grid 8 --budget 47MiB [--budget 56MiB ...] [--time-limit 10]

Per budget, one line: the plan's modelled cost, its peak per device (the
count of planner/memory.py, what the plan report prints), the bytes per
device on the wire (each collective's cost formula on a link of alpha 0 and
beta 1, as `autoshard-run --bytes` states the model's charge) and, per
function argument, how many collectives in the partitioned IR read it
directly (an argument gathered once reads once, then its copy is shared).
An infeasible budget prints the solver's message.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

from autoshard.api import run_pipeline  # noqa: E402
from autoshard.cost.cluster import AxisLink  # noqa: E402
from autoshard.diagnostics import AutoshardError  # noqa: E402
from autoshard.ir import ir, new_context  # noqa: E402
from autoshard.ir.loader import load_module  # noqa: E402
from autoshard.sharding.collectives import COLLECTIVES  # noqa: E402
from autoshard.units import format_bytes  # noqa: E402

MiB = 1 << 20


def wire_bytes(report: dict) -> float:
    """Bytes per device the plan's collectives move (alpha 0, beta 1)."""
    link = AxisLink(0.0, 1.0)
    total = 0.0
    shape = report["grid"]["shape"]
    for c in report["collectives"]:
        n = 1
        for a in c["axes"]:
            n *= shape[a]
        total += COLLECTIVES[c["kind"]].cost(n, link, c["bytes_in"], c["bytes_out"], float("inf"))
    return total


def argument_reads(module, name: str) -> list[int]:
    """Per argument of the SPMD function: collectives whose operand it is."""
    for op in module.body.operations:
        op = op.operation
        if op.name == "func.func" and ir.StringAttr(op.attributes["sym_name"]).value == name:
            block = op.regions[0].blocks[0]
            counts = [0] * len(block.arguments)
            for inner in block.operations:
                inner = inner.operation
                if inner.name.startswith("shard.all_") or inner.name == "shard.reduce_scatter":
                    for k, arg in enumerate(block.arguments):
                        if any(o == arg for o in inner.operands):
                            counts[k] += 1
            return counts
    return []


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("file", type=Path)
    p.add_argument("--grid", default="8")
    p.add_argument("--budget", action="append", default=[])
    p.add_argument("--time-limit", type=float, default=10.0)
    args = p.parse_args(argv)
    text = args.file.read_text()
    for budget in args.budget or [""]:
        ctx = new_context()
        module = load_module(text, str(args.file), ctx)
        opts = f"grid={args.grid} time-limit={args.time_limit:g} baseline=none"
        if budget:
            opts += f" memory-budget={budget}"
        with ctx:
            try:
                state = run_pipeline(module, f"autoshard{{{opts}}},autoshard-partition")
            except AutoshardError as err:
                print(f"{args.file} grid {args.grid} budget {budget or 'none'}: {err.message}")
                continue
            for r in state.reports:
                data = r.data
                if data.get("kind") != "autoshard-plan":
                    continue
                t = data["totals"]
                reads = argument_reads(module, data["function"])
                print(f"{args.file} @{data['function']} grid {args.grid} budget {budget or 'none'}: "
                      f"cost {t['cost_s'] * 1e6:.2f} us, peak {format_bytes(t['peak_memory_bytes'])}, "
                      f"on the wire {wire_bytes(data) / MiB:.2f} MiB per device, "
                      f"collectives reading each argument {reads}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
