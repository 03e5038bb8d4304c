"""The human-readable plan report: per op the chosen sharding and its costs,
then totals, and the modelled cost of baseline plans for comparison."""

from __future__ import annotations

from autoshard.diagnostics import source_loc
from autoshard.planner.builder import PS_PER_S, Plan, PlanProblem
from autoshard.solver import evaluate
from autoshard.units import format_bytes


def _ms(ps: float) -> str:
    return f"{ps / PS_PER_S * 1e3:.6f} ms"


def edge_costs_into(pp: PlanProblem, choice) -> dict[int, int]:
    """Resharding cost (ps) paid on the edges entering each node."""
    into: dict[int, int] = {}
    for (u, v), mat in zip(pp.problem.edges, pp.problem.edge_costs):
        kv = len(pp.nodes[v].results)
        into[v] = into.get(v, 0) + int(mat[choice[u] * kv + choice[v]])
    return into


def plan_report(pp: PlanProblem, plan: Plan, budget: int | None, baselines: dict[str, int | None]) -> str:
    graph, grid = pp.graph, pp.graph.grid
    choice = plan.node_choice
    into = edge_costs_into(pp, choice)
    lines = [f"autoshard plan for @{graph.name} on grid @{grid.name} ({grid.shape_text})"]
    lines.append(f"  {'op':<28} {'loc':<10} {'strategy':<34} {'result sharding':<28} {'compute':>14} {'reshard in':>14} {'memory':>12}")
    for idx, node in enumerate(pp.nodes):
        if node.kind not in ("op", "arg", "return"):
            continue
        j = choice[idx]
        if node.kind == "op":
            op = graph.ops[node.ref]
            name = op.name
            loc = source_loc(op.loc)
            strat = node.rule.describe(node.strategies[j]) if node.rule else "no rule: replicated"
        elif node.kind == "arg":
            name, loc, strat = f"arg #{graph.values[node.ref].arg_index}", None, "layout"
        else:
            name, loc, strat = f"return #{node.ref}", source_loc(graph.return_op.loc), "layout"
        where = f"{loc.line}:{loc.col}" if loc else "-"
        lines.append(
            f"  {name:<28} {where:<10} {strat:<34} {str(node.results[j][0]):<28} "
            f"{_ms(pp.problem.costs[idx][j]):>14} {_ms(into.get(idx, 0)):>14} {format_bytes(node.usages[j]):>12}"
        )
    cost, peak = evaluate(pp.problem, plan.node_choice)
    node_total = sum(int(pp.problem.costs[i][c]) for i, c in enumerate(choice))
    lines.append(f"  total modelled cost: {_ms(cost)} (compute {_ms(node_total)}, resharding {_ms(cost - node_total)})")
    lim = f" of budget {format_bytes(budget)}" if budget else ""
    lines.append(f"  peak memory per device: {format_bytes(peak)}{lim}")
    lines.append(f"  solver: {plan.solution.status}, {plan.solution.seconds:.3f} s")
    for name, value in baselines.items():
        if value is None:
            lines.append(f"  baseline {name}: infeasible under the budget or not applicable")
        else:
            ratio = f"{cost / value:.4f}" if value else "-"
            lines.append(f"  baseline {name}: {_ms(value)} (autoshard / baseline = {ratio})")
    if pp.unruled:
        names = sorted({op.name for op in pp.unruled})
        lines.append(f"  ops without a sharding rule (kept replicated): {', '.join(names)}")
    return "\n".join(lines) + "\n"
