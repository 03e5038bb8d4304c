"""The plan report: what the solver chose and what the cost model says it
costs, as data, as a text table, and as a dataflow graph.

`plan_report` returns a `Report`: a `str` (the text table, so that printing
it or searching it works as for any report) that also carries `data`, a
JSON-ready dict, and `graph`, a `PlanGraph` (planner/report_graph.py).

The data (times in seconds, sizes in bytes, per device):
- `ops`: per problem node (an argument, an op, a user's `shard.shard`
  annotation or a returned value): `id`, `kind`, `name`, `loc`, `strategy`, `operands` and `results`
  (shardings), `compute_s`, `communication_s` (the resharding paid on the
  edges into it), `memory_bytes` (its results).
- `edges`: every tensor edge `producer` -> `consumer` (ids of `ops`) with
  the producer's `sharding`, the one the consumer `needed`, and the indices
  of its `collectives`.
- `collectives`: every collective the plan implies: `kind`,
  `axes` (grid axes), `producer`/`consumer`, `shape`, `before` and
  `after` shardings, `bytes_in`/`bytes_out` (the per-device piece before and
  after), `time_s`.
- `totals`, `solver` (status, objective, bound, gap, seconds), `baselines`.
Everything is deterministic except `solver.seconds` (the wall clock).
"""

from __future__ import annotations

from math import prod
from typing import cast

from autoshard.cost.model import collective_cost
from autoshard.diagnostics import source_loc
from autoshard.planner.memory import plan_memory
from autoshard.planner.builder import PS_PER_S, Plan, PlanProblem, operand_requirement
from autoshard.planner.report_graph import PlanGraph
from autoshard.sharding import Grid
from autoshard.sharding.reshard import plan_reshard
from autoshard.solver import evaluate
from autoshard.units import format_bytes

REPORT_KIND = "autoshard-plan"


class Report(str):
    """A text report that also carries its content as data (for JSON) and,
    for plans, the dataflow graph."""

    data: dict
    graph: PlanGraph | None

    def __new__(cls, text: str, data: dict, graph: PlanGraph | None = None):
        obj = super().__new__(cls, text)
        obj.data = data
        obj.graph = graph
        return obj


def format_seconds(seconds: float) -> str:
    """A duration with a unit that keeps 3-4 significant digits readable."""
    if seconds == 0:
        return "0 s"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if abs(seconds) >= scale:
            return f"{seconds / scale:.2f} {unit}"
    return f"{seconds * 1e12:.0f} ps"


def _s(ps: float) -> float:
    return ps / PS_PER_S


def edge_costs_into(pp: PlanProblem, choice) -> dict[int, int]:
    """Resharding cost (ps) paid on the edges entering each node."""
    into: dict[int, int] = {}
    for (u, v), mat in zip(pp.problem.edges, pp.problem.edge_costs):
        kv = len(pp.nodes[v].results)
        into[int(v)] = into.get(int(v), 0) + int(mat[choice[u] * kv + choice[v]])
    return into


def _node_rows(pp: PlanProblem, choice, into) -> list[dict]:
    graph, grid = pp.graph, cast(Grid, pp.graph.grid)  # a plan is made on a grid
    rows = []
    # Copies of one op share their rule (planner/templates.py): each distinct
    # strategy is described once, each distinct sharding written once.
    described: dict[tuple, tuple[str, list[str]]] = {}
    texts: dict = {}

    def text(sh) -> str:
        found = texts.get(sh)
        if found is None:
            found = texts[sh] = str(sh)
        return found

    for idx, node in enumerate(pp.nodes):
        j = choice[idx]
        operands: list[str] = []
        if node.kind == "op":
            op = graph.ops[node.ref]
            name, loc = op.name, source_loc(op.loc)
            key = (id(node.rule), j)
            if node.rule is None or key not in described:
                described[key] = (
                    node.rule.describe(node.strategies[j], grid) if node.rule else "no rule: replicated",
                    [text(operand_requirement(node.rule, grid, node.strategies[j], k))
                     for k, vid in enumerate(op.operands) if graph.values[vid].tensor is not None])
            strategy, operands = described[key]
            operands = list(operands)
        elif node.kind == "annotation":
            name, loc, strategy = "shard.shard", source_loc(node.loc), "annotated"
        elif node.kind == "read":
            v = graph.values[node.ref]
            what = f"arg #{v.arg_index}" if v.producer is None else graph.ops[v.producer].name
            name, loc, strategy = f"read of {what}", None, "shared read layout"
        elif node.kind == "constant":
            name, loc, strategy = "tosa.const (whole)", source_loc(node.loc), "materialised whole"
        elif node.kind == "arg":
            name, loc, strategy = f"arg #{graph.values[node.ref].arg_index}", None, "layout"
        else:
            assert graph.return_op is not None  # a return node comes from the return op
            name, loc, strategy = f"return #{node.ref}", source_loc(graph.return_op.loc), "layout"
            operands = [str(node.results[j][0])]
        rows.append({
            "id": idx,
            "kind": node.kind,
            "name": name,
            "loc": str(loc) if loc else None,
            "strategy": strategy,
            "operands": operands,
            "results": [] if node.kind == "return" else [text(s) for s in node.results[j]],
            "compute_s": _s(pp.problem.costs[idx][j]),
            "communication_s": _s(into.get(idx, 0)),
            "memory_bytes": int(node.usages[j]),
        })
    return rows


def _dataflow(pp: PlanProblem, choice) -> tuple[list[dict], list[dict]]:
    """(edges, collectives): every producer -> consumer tensor edge of the
    plan, and the collectives each one needs (the steps the cost model
    charges and autoshard-partition emits)."""
    grid, cluster = cast(Grid, pp.graph.grid), pp.model.cluster  # a plan is made on a grid
    edges: list[dict] = []
    collectives: list[dict] = []
    texts: dict = {}  # each distinct sharding written once

    def text(sh) -> str:
        found = texts.get(sh)
        if found is None:
            found = texts[sh] = str(sh)
        return found

    for (u, v), feeds in sorted(pp.edges.items()):
        for src_res, shape, itemsize, requirement in feeds:
            src = pp.nodes[u].results[choice[u]][src_res]
            dst = requirement(choice[v])
            first = len(collectives)
            steps = pp.model.reshard_steps(tuple(shape), src, dst)
            for step in plan_reshard(grid, tuple(shape), src, dst) if steps is None else steps:
                collectives.append({
                    "kind": step.kind,
                    "axes": list(step.axes),
                    "producer": u,
                    "consumer": v,
                    "shape": list(shape),
                    "before": text(step.before),
                    "after": text(step.after),
                    "bytes_in": prod(step.before.local_shape(grid, shape)) * itemsize,
                    "bytes_out": prod(step.after.local_shape(grid, shape)) * itemsize,
                    "time_s": collective_cost(cluster, grid, step, shape, itemsize),
                })
            edges.append({"producer": u, "consumer": v, "shape": list(shape), "sharding": text(src),
                          "needed": text(dst), "collectives": list(range(first, len(collectives)))})
    return edges, collectives


def plan_data(pp: PlanProblem, plan: Plan, budget: int | None, baselines: dict, peak: int | None = None) -> dict:
    """`peak`: plan_memory's peak of `plan` when the caller has counted it."""
    graph, grid = pp.graph, cast(Grid, pp.graph.grid)  # a plan is made on a grid
    choice = list(plan.node_choice)
    into = edge_costs_into(pp, choice)
    cost, _ = evaluate(pp.problem, choice)
    # the count of what partition emits (the problem's usages approximate it)
    if peak is None:
        peak = plan_memory(graph, plan, pp.model).peak
    compute = sum(int(pp.problem.costs[i][c]) for i, c in enumerate(choice))
    edges, collectives = _dataflow(pp, choice)
    solution = plan.solution
    bound = solution.bound
    gap = None if bound is None else (cost - bound) / max(abs(cost), 1)
    return {
        "kind": REPORT_KIND,
        "function": graph.name,
        "grid": {"name": grid.name, "shape": list(grid.shape)},
        "ops": _node_rows(pp, choice, into),
        "edges": edges,
        "collectives": collectives,
        "totals": {
            "cost_s": _s(cost),
            "compute_s": _s(compute),
            "communication_s": _s(cost - compute),
            "peak_memory_bytes": int(peak),
            "memory_budget_bytes": budget,
        },
        "solver": {
            "status": solution.status,
            "objective_s": _s(solution.cost),
            "bound_s": None if bound is None else _s(bound),
            "gap": gap,
            "seconds": round(solution.seconds, 3),
        },
        "baselines": {name: _baseline(value, cost, budget) for name, value in baselines.items()},
        "unruled_ops": sorted({op.name for op in pp.unruled}),
    }


def _baseline(value, cost: int, budget: int | None) -> dict | None:
    """`value`: None (not applicable) or (cost ps, peak bytes)."""
    if value is None:
        return None
    base_cost, base_peak = value
    return {
        "cost_s": _s(base_cost),
        "peak_memory_bytes": int(base_peak),
        "within_budget": budget is None or base_peak <= budget,
        "ratio": cost / base_cost if base_cost else None,
    }


def plan_text(data: dict) -> str:
    grid = data["grid"]
    lines = [f"autoshard plan for @{data['function']} on grid @{grid['name']} "
             f"({'x'.join(map(str, grid['shape']))})"]
    lines.append(f"  {'op':<28} {'loc':<10} {'strategy':<34} {'result sharding':<28} "
                 f"{'compute':>10} {'reshard in':>10} {'memory':>10}")
    for row in data["ops"]:
        loc = row["loc"].split(":", 1)[1] if row["loc"] else "-"
        result = row["results"][0] if row["results"] else row["operands"][0]
        lines.append(
            f"  {row['name']:<28} {loc:<10} {row['strategy']:<34} {result:<28} "
            f"{format_seconds(row['compute_s']):>10} {format_seconds(row['communication_s']):>10} "
            f"{format_bytes(row['memory_bytes']):>10}")
    names = {row["id"]: row["name"] for row in data["ops"]}
    if data["collectives"]:
        lines.append("  collectives:")
        for c in data["collectives"]:
            where = f"{names.get(c['producer'], '?')} -> {names.get(c['consumer'], '?')}"
            lines.append(f"    {c['kind']:<15} axes {str(c['axes']):<8} {where:<36} "
                         f"{format_bytes(c['bytes_in']):>10} -> {format_bytes(c['bytes_out']):<10} "
                         f"{format_seconds(c['time_s']):>10}")
    t = data["totals"]
    lines.append(f"  total modelled cost: {format_seconds(t['cost_s'])} (compute {format_seconds(t['compute_s'])}, "
                 f"resharding {format_seconds(t['communication_s'])})")
    lim = f" of budget {format_bytes(t['memory_budget_bytes'])}" if t["memory_budget_bytes"] else ""
    lines.append(f"  peak memory per device: {format_bytes(t['peak_memory_bytes'])}{lim}")
    s = data["solver"]
    detail = ""
    if s["status"] == "feasible" and s["gap"] is not None:
        detail = f", lower bound {format_seconds(s['bound_s'])}, gap {100 * s['gap']:.2f}%"
    lines.append(f"  solver: {s['status']}{detail}, {s['seconds']:.3f} s")
    for name, b in data["baselines"].items():
        if b is None:
            lines.append(f"  baseline {name}: not applicable")
            continue
        ratio = f"{b['ratio']:.4f}" if b["ratio"] is not None else "-"
        over = "" if b["within_budget"] else f", peak {format_bytes(b['peak_memory_bytes'])} exceeds the budget"
        lines.append(f"  baseline {name}: {format_seconds(b['cost_s'])} (autoshard / baseline = {ratio}){over}")
    if data["unruled_ops"]:
        lines.append(f"  ops without a sharding rule (kept replicated): {', '.join(data['unruled_ops'])}")
    return "\n".join(lines) + "\n"


def plan_report(pp: PlanProblem, plan: Plan, budget: int | None, baselines: dict, peak: int | None = None) -> Report:
    """`baselines`: name -> None (not applicable) or (cost ps, peak bytes);
    `peak`: plan_memory's peak of `plan` if counted already (fit_budget)."""
    data = plan_data(pp, plan, budget, baselines, peak)
    return Report(plan_text(data), data, PlanGraph.from_plan(data))
