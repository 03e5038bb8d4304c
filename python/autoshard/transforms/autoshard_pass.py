"""`autoshard`: solve the sharding ILP of every function and write the
resolved sharding of every value as `shard.shard` annotations.

Per function: a warning for the ops without a sharding rule as soon as the
problem is built, progress lines while planning takes longer than two
seconds (`PipelineState.on_progress`), and a plan report
(planner/report.py) with the Megatron baseline costed from the same problem
(planner/baselines.py), without a second solve.
"""

from __future__ import annotations

import threading
import time
from typing import Any
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field

from autoshard.cost import Cluster, CostModel, load_cluster
from autoshard.diagnostics import AutoshardError
from autoshard.graph import build_graph
from autoshard.planner import build_problem
from autoshard.planner.builder import cycle_collection_paused
from autoshard.planner.memory import fit_budget
from autoshard.planner.baselines import megatron_cost
from autoshard.planner.infeasible import forbidden_everywhere
from autoshard.planner.limits import check_tensor_sizes
from autoshard.planner.report import plan_report
from autoshard.solver.solve import solve_with_progress
from autoshard.transforms.annotate import write_plan
from autoshard.transforms.base import (
    Pass,
    PipelineState,
    between,
    grid_shape_or_none,
    one_of,
    positive_at_most,
    register_pass,
    size_or_none,
)
from autoshard.transforms.common import entry_functions, function_grid, grid_or_error, resolve_grid, static_grid
from autoshard.units import format_bytes

# Planning a function quietly for this long, then progress lines, and a
# heartbeat line at least this often while the solver says nothing.
QUIET_SECONDS = 2.0
HEARTBEAT_SECONDS = 2.0
# Option ranges: a week of solving; seeds and threads as the solver's C++ takes them.
MAX_TIME_LIMIT = 7 * 24 * 3600.0
MAX_SEED = (1 << 31) - 1
MAX_THREADS = 256


@register_pass
@dataclass(frozen=True)
class AutoshardPass(Pass):
    name = "autoshard"
    summary = "Choose a sharding for every value by solving the sharding ILP, and annotate it"

    grid: str = field(default="", metadata={"help": "grid shape (e.g. 2x4) when the module has no shard.grid",
                                            "parse": grid_shape_or_none})
    memory_budget: str = field(default="", metadata={"help": "bytes per device (e.g. 160MiB); empty: no limit",
                                                     "parse": size_or_none})
    cluster: str = field(default="", metadata={"help": "JSON file with peak_flops, memory_bandwidth and per-axis alpha/beta"})
    time_limit: float = field(default=10.0, metadata={"help": "solver time limit in seconds",
                                                      "parse": positive_at_most(MAX_TIME_LIMIT)})
    threads: int = field(default=2, metadata={"help": "solver threads", "parse": between(1, MAX_THREADS)})
    seed: int = field(default=0, metadata={"help": "solver random seed", "parse": between(0, MAX_SEED)})
    baseline: str = field(default="megatron", metadata={
        "help": "baseline plan to cost in the report: megatron (greedy, no second solve) or none",
        "parse": one_of("megatron", "none")})

    def run(self, module, state: PipelineState) -> None:
        budget = self.parsed("memory_budget")
        cluster = load_cluster(self.cluster) if self.cluster else Cluster()
        default = grid_or_error(resolve_grid(module, self.grid, create=True), module)
        for func_op in entry_functions(module, state):
            named = function_grid(module, func_op, default)
            assert named is not None  # default is a grid (grid_or_error)
            grid = static_grid(module, named, self.grid)
            model = CostModel(cluster, grid)
            graph = build_graph(func_op, grid)
            check_tensor_sizes(graph)
            _refuse_dynamic_splits(graph)
            _warn_dynamic(state, graph, func_op)
            with _progress(state, graph.name) as log:
                pp = build_problem(graph, model, budget)
                log(f"problem built: {pp.problem.num_nodes} nodes, {pp.problem.num_edges} edges")
                _warn_unruled(state, pp.unruled)
                # until_stalled: a plan's best answer comes early (24 GPT-2
                # blocks: pass 6 of 43) and compile time counts.
                fitted = fit_budget(pp, budget, lambda problem: solve_with_progress(
                    problem, self.time_limit, self.threads, self.seed, log=log, until_stalled=True))
                if fitted.plan is None:
                    # "infeasible" only where the solver proved it (solver/problem.py, Solution).
                    verdict = ("is infeasible" if fitted.solution.status == "infeasible"
                               else "was not met (nor proven impossible)")
                    raise forbidden_everywhere(pp) or AutoshardError(
                        f"memory budget {format_bytes(budget)} per device {verdict} for @{graph.name}: "
                        f"the smallest peak the solver reached is {format_bytes(fitted.peak)}",
                        func_op.location,
                    )
                plan = fitted.plan
                with cycle_collection_paused():
                    baselines = {}
                    if self.baseline == "megatron":
                        baselines["megatron"] = megatron_cost(pp, plan.node_choice)
            with cycle_collection_paused():
                state.reports.append(plan_report(pp, plan, budget, baselines, fitted.peak))
                write_plan(graph, plan)


def _refuse_dynamic_splits(graph) -> None:
    """A user annotation splitting a dynamic dimension: the cost of its
    pieces is unknown, so the planner does not take it (autoshard-partition
    alone partitions it, with dynamic local sizes)."""
    for op in graph.ops:
        for vid, chain in zip(op.operands, op.chains):
            shape = graph.values[vid].tensor.shape if graph.values[vid].tensor is not None else ()
            for ann in chain:
                dims = [d for d, axes in enumerate(ann.sharding.split_axes) if axes and shape[d] < 0]
                if dims:
                    raise AutoshardError(
                        f"this annotation splits dynamic dimension {dims[0]}: the planner only splits static "
                        "dimensions (cost needs sizes); run autoshard-partition alone on such annotations", ann.loc)


def _warn_dynamic(state: PipelineState, graph, func_op) -> None:
    """One warning per function naming the first value with a dynamic
    dimension: such dimensions are never split (docs/ops.md)."""
    dynamic = [v for v in graph.values if v.tensor is not None and any(s < 0 for s in v.tensor.shape)]
    if not dynamic:
        return
    first = dynamic[0]
    dims = [d for d, s in enumerate(first.tensor.shape) if s < 0]
    name = first.value.get_name()
    loc = graph.ops[first.producer].loc if first.producer is not None else func_op.location
    others = f" (and {len(dynamic) - 1} more value{'s' if len(dynamic) > 2 else ''})" if len(dynamic) > 1 else ""
    state.warn(f"{name} : {first.value.type} has dynamic dimension{'s' if len(dims) > 1 else ''} "
               f"{dims}{others}: dynamic dimensions are never split", loc)


def _warn_unruled(state: PipelineState, unruled) -> None:
    by_name: "OrderedDict[str, list]" = OrderedDict()
    for op in unruled:
        by_name.setdefault(op.name, []).append(op)
    for name, ops in by_name.items():
        state.warn(f"no sharding rule for '{name}' ({len(ops)} op{'s' if len(ops) > 1 else ''}); kept replicated",
                   ops[0].loc)


@contextmanager
def _progress(state: PipelineState, func_name: str):
    """A `log(message)` for the planning of one function: silent for the
    first QUIET_SECONDS, then every solver line plus a heartbeat (elapsed
    time and the solver's latest line, which carries the best cost so far)
    whenever the solver has said nothing for HEARTBEAT_SECONDS."""
    out = state.on_progress
    if out is None:
        yield lambda message: None
        return
    start = time.monotonic()
    last: dict[str, Any] = {"line": "building the problem", "at": start}
    lock = threading.Lock()
    stop = threading.Event()

    def say(text: str) -> None:
        with lock:
            last["at"] = time.monotonic()
            out(f"autoshard: @{func_name}: [{last['at'] - start:6.1f}s] {text}")

    def log(message: str) -> None:
        # Solver lines come as "[   1.2s] text", timed from the solve's start.
        text = message.split("] ", 1)[1] if message.startswith("[") and "] " in message else message
        with lock:
            last["line"] = text
        if time.monotonic() - start >= QUIET_SECONDS:
            say(text)

    def heartbeat() -> None:
        while not stop.wait(0.25):
            now = time.monotonic()
            if now - start >= QUIET_SECONDS and now - last["at"] >= HEARTBEAT_SECONDS:
                say(f"still working; last: {last['line']}")

    thread = threading.Thread(target=heartbeat, name="autoshard-progress", daemon=True)
    thread.start()
    try:
        yield log
    finally:
        stop.set()
        thread.join()
        if time.monotonic() - start >= QUIET_SECONDS:
            say("done")
