"""`autoshard`: solve the sharding ILP of every function and write the
resolved sharding of every value as `shard.shard` annotations."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from autoshard.cost import Cluster, CostModel, load_cluster
from autoshard.diagnostics import AutoshardError
from autoshard.graph import build_graph
from autoshard.planner import build_problem, decode
from autoshard.planner.baselines import megatron_filter
from autoshard.planner.report import plan_report
from autoshard.solver import evaluate, solve
from autoshard.transforms.annotate import write_plan
from autoshard.transforms.base import Pass, PipelineState, register_pass
from autoshard.transforms.common import entry_functions, grid_or_error, resolve_grid
from autoshard.units import format_bytes, parse_bytes


@register_pass
@dataclass(frozen=True)
class AutoshardPass(Pass):
    name = "autoshard"
    summary = "Choose a sharding for every value by solving the sharding ILP, and annotate it"

    grid: str = field(default="", metadata={"help": "grid shape (e.g. 2x4) when the module has no shard.grid"})
    memory_budget: str = field(default="", metadata={"help": "bytes per device (e.g. 160MiB); empty: no limit"})
    cluster: str = field(default="", metadata={"help": "JSON file with peak_flops, memory_bandwidth and per-axis alpha/beta"})
    time_limit: float = field(default=10.0, metadata={"help": "solver time limit in seconds"})
    threads: int = field(default=2, metadata={"help": "solver threads"})
    seed: int = field(default=0, metadata={"help": "solver random seed"})
    baseline: str = field(default="megatron", metadata={"help": "baseline plan to cost in the report: megatron or none"})

    def run(self, module, state: PipelineState) -> None:
        if not self.time_limit > 0:
            raise AutoshardError(f"option 'time-limit' must be a positive number of seconds, got {self.time_limit}")
        if self.threads < 1:
            raise AutoshardError(f"option 'threads' must be at least 1, got {self.threads}")
        if self.baseline not in ("megatron", "none"):
            raise AutoshardError(f"option 'baseline' must be megatron or none, got '{self.baseline}'")
        budget = parse_bytes(self.memory_budget, "memory-budget") if self.memory_budget else None
        cluster = load_cluster(self.cluster) if self.cluster else Cluster()
        grid = grid_or_error(resolve_grid(module, self.grid, create=True), module)
        model = CostModel(cluster, grid)
        unruled: "OrderedDict[str, list]" = OrderedDict()
        for func_op in entry_functions(module, state):
            graph = build_graph(func_op, grid)
            pp = build_problem(graph, model, budget)
            solution = solve(pp.problem, time_limit=self.time_limit, threads=self.threads, seed=self.seed)
            if solution.status == "infeasible":
                raise AutoshardError(
                    f"memory budget {format_bytes(budget)} per device is infeasible for @{graph.name}: "
                    f"the smallest peak the solver reached is {format_bytes(solution.peak_usage)}",
                    func_op.location,
                )
            plan = decode(pp, solution)
            baselines = {}
            if self.baseline == "megatron":
                keep = megatron_filter(graph)
                if keep is not None:
                    bp = build_problem(graph, model, budget, strategy_filter=keep)
                    bs = solve(bp.problem, time_limit=self.time_limit, threads=self.threads, seed=self.seed)
                    baselines["megatron"] = None if bs.status == "infeasible" else evaluate(bp.problem, bs.assignment)[0]
            state.reports.append(plan_report(pp, plan, budget, baselines))
            for op in pp.unruled:
                unruled.setdefault(op.name, []).append(op)
            write_plan(graph, plan)
        for name, ops in unruled.items():
            state.warn(f"no sharding rule for '{name}' ({len(ops)} op{'s' if len(ops) > 1 else ''}); kept replicated", ops[0].loc)
