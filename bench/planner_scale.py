"""Planner scale: phase times of `autoshard{grid=G memory-budget=B},autoshard-partition`
on N chained GPT-2 blocks (bench/gpt2_chain.py), and the wall time of the
same pipeline run by `autoshard-opt` in a fresh process.

    .venv/bin/python bench/planner_scale.py [--blocks 24] [--grid 2x4] [--budget 270MiB] [--time-limit 10] [--solver-log]
        [--clock-scale 3]

Phases, in one process, as the passes run them (wall time, and the
process's CPU time beside it: on a shared machine the CPU time is the
steadier figure; the solve's two threads both count): parse (load and verify the
module), graph (FuncGraph), problem build (build_problem), solve (and the
exact memory count of its plan: fit_budget), annotate (Megatron baseline,
plan report, shard.shard ops), partition
(autoshard-partition).  The end-to-end line is `autoshard-opt FILE
--pass-pipeline=... -o OUT` timed from outside (Python start-up included).
The plan line ends with a digest of the solver's assignment: equal digests
are equal plans.  `--clock-scale F` runs the in-process solve with its clock
running F times fast, as on a machine F times slower: the digest stays the
same while the solve stops by work and convergence before its wall guard.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "bench"))

from gpt2_chain import BLOCK, chain  # noqa: E402

from autoshard.cost import Cluster, CostModel  # noqa: E402
from autoshard.graph import build_graph  # noqa: E402
from autoshard.ir import ir  # noqa: E402
from autoshard.ir.loader import load_module  # noqa: E402
from autoshard.planner import build_problem  # noqa: E402
from autoshard.planner.baselines import megatron_cost  # noqa: E402
from autoshard.planner.builder import cycle_collection_paused  # noqa: E402
from autoshard.planner.memory import fit_budget  # noqa: E402
from autoshard.planner.report import plan_report  # noqa: E402
from autoshard.solver.solve import solve_with_progress  # noqa: E402
from autoshard.transforms.annotate import write_plan  # noqa: E402
from autoshard.transforms.base import PipelineState, size_or_none  # noqa: E402
from autoshard.transforms.common import entry_functions, function_grid, grid_or_error, resolve_grid  # noqa: E402
from autoshard.transforms.partition import PartitionPass  # noqa: E402
from autoshard.units import format_bytes  # noqa: E402


def phases(path: Path, grid_text: str, budget: int | None, time_limit: float, log=None) -> tuple[dict, dict]:
    """Per phase (wall seconds, CPU seconds of this process: all its
    threads, so the solve's two threads count twice), and the plan's facts."""
    times: dict[str, tuple[float, float]] = {}
    clock = (time.perf_counter(), time.process_time())

    def lap(name: str) -> None:
        nonlocal clock
        now = (time.perf_counter(), time.process_time())
        times[name] = (now[0] - clock[0], now[1] - clock[1])
        clock = now

    ctx = ir.Context()
    module = load_module(path.read_text(), str(path), ctx)
    lap("parse")
    with ctx:
        grid = grid_or_error(resolve_grid(module, grid_text, create=True), module)
        func_op = entry_functions(module)[0]
        grid = function_grid(module, func_op, grid)
        graph = build_graph(func_op, grid)
        lap("graph")
        pp = build_problem(graph, CostModel(Cluster(), grid), budget)
        lap("problem build")
        fitted = fit_budget(pp, budget, lambda problem: solve_with_progress(problem, time_limit, 2, 0, log=log,
                                                                                until_stalled=True))
        lap("solve")
        assert fitted.plan is not None, "the budget is infeasible"
        plan, solution = fitted.plan, fitted.solution
        with cycle_collection_paused():  # as the autoshard pass runs them
            report = plan_report(pp, plan, budget, {"megatron": megatron_cost(pp, plan.node_choice)}, fitted.peak)
            write_plan(graph, plan)
        lap("annotate")
        PartitionPass().run(module, PipelineState())
        lap("partition")
    data = report.data
    digest = hashlib.sha256(repr(solution.assignment).encode()).hexdigest()[:12]
    facts = {"ops": len(graph.ops), "nodes": pp.problem.num_nodes, "edges": pp.problem.num_edges,
             "status": solution.status, "cost_s": data["totals"]["cost_s"], "digest": digest,
             "peak": data["totals"]["peak_memory_bytes"], "megatron": data["baselines"]["megatron"]}
    return times, facts


def scale_solver_clock(factor: float) -> None:
    """The solver's clock runs `factor` times fast from now on."""
    solve_module = importlib.import_module("autoshard.solver.solve")
    start, real = time.monotonic(), time.monotonic
    solve_module.time = SimpleNamespace(monotonic=lambda: start + factor * (real() - start))


def end_to_end(path: Path, pipeline: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one autoshard-opt run."""
    opt = str(Path(sys.executable).with_name("autoshard-opt"))
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([opt, str(path), f"--pass-pipeline={pipeline}", "-o", str(Path(tmp) / "out.mlir")],
                       check=True, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=24)
    parser.add_argument("--grid", default="2x4")
    parser.add_argument("--budget", default="270MiB")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--no-end-to-end", action="store_true", help="skip the autoshard-opt run")
    parser.add_argument("--solver-log", action="store_true", help="print the solver's progress lines")
    parser.add_argument("--clock-scale", type=float, default=1.0,
                        help="the in-process solver's clock runs this many times fast (a slower machine)")
    args = parser.parse_args(argv)
    if args.clock_scale != 1.0:
        scale_solver_clock(args.clock_scale)
    if not BLOCK.exists():
        print(f"{BLOCK}: not found (the shared corpus is needed)", file=sys.stderr)
        return 1
    budget = size_or_none(args.budget)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"gpt2_chain{args.blocks}.mlir"
        path.write_text(chain(BLOCK.read_text(), args.blocks))
        log = (lambda line: print(f"  solver {line}")) if args.solver_log else None
        times, facts = phases(path, args.grid, budget, args.time_limit, log)
        limit = "" if args.time_limit == 10.0 else f" time-limit={args.time_limit:g}"
        pipeline = f"builtin.module(autoshard{{grid={args.grid} memory-budget={args.budget}{limit}}},autoshard-partition)"
        wall = None if args.no_end_to_end else end_to_end(path, pipeline)
    print(f"{args.blocks} GPT-2 blocks: {facts['ops']} ops, problem {facts['nodes']} nodes / {facts['edges']} edges, "
          f"grid {args.grid}, budget {args.budget}; load average {os.getloadavg()[0]:.1f} at the end")
    for name, (seconds, cpu) in times.items():
        print(f"  {name:<14} {seconds:7.3f} s  (cpu {cpu:6.3f} s)")
    print(f"  {'total':<14} {sum(w for w, _ in times.values()):7.3f} s  (cpu {sum(c for _, c in times.values()):6.3f} s)"
          " in process")
    if wall is not None:
        print(f"  autoshard-opt {pipeline}: {wall[0]:.2f} s wall (cpu {wall[1]:.2f} s)")
    meg = facts["megatron"]
    clock = f", solver clock x{args.clock_scale:g}" if args.clock_scale != 1.0 else ""
    print(f"  solver {facts['status']}, cost {facts['cost_s'] * 1e3:.4f} ms, peak {format_bytes(facts['peak'])}"
          + (f", Megatron {meg['cost_s'] * 1e3:.4f} ms" if meg else "") + f"; plan {facts['digest']}{clock}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
