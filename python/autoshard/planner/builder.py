"""Builds the Alpa-style problem of one function.

Problem nodes (each picks one strategy):
- one per tensor argument: every valid layout, no cost; usage = local bytes;
  live for the whole function (the caller holds it);
- one per op with tensor results: the strategies of its factor rule (an op
  without a rule has one, fully replicated, strategy); cost = compute time;
  usage = local bytes of its results; live from the op to its last use;
- one per `shard.shard` annotation of the input: a single strategy (the
  annotated sharding) -- user annotations are fixed choices;
- one per returned tensor: the annotated layout if the returned value is
  annotated, otherwise every non-partial layout (a result is never left
  partial unless the user asks for it).
Edges carry the resharding cost from the producer's layout to the layout the
consumer needs, for every pair of strategies (impossible pairs forbidden).
Costs are integer picoseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from autoshard.cost import CostModel
from autoshard.graph import FuncGraph
from autoshard.rules import FactorRule, rule_for
from autoshard.rules.tosa import source as source_rule
from autoshard.rules.factor import OpInfo, numel
from autoshard.sharding import Grid, Sharding
from autoshard.solver import FORBIDDEN_COST, Problem, Solution

PS_PER_S = 1e12


def to_ps(seconds: float) -> int:
    # Clamped below FORBIDDEN_COST: an absurdly slow (but valid) cluster must
    # not overflow the solver's integer costs or pass for a forbidden pair.
    return min(int(round(min(seconds, 1e9) * PS_PER_S)), FORBIDDEN_COST - 1)


@dataclass
class PNode:
    """A problem node: its kind, what it stands for, and per strategy the
    sharding of the value it produces and the cost in seconds."""

    kind: str  # arg | op | annotation | return
    ref: Any  # value id | op id | (value id, chain index key) | operand index of return
    results: list[list[Sharding]]  # per strategy: sharding of each tensor result (one for non-ops)
    costs: list[float]
    usages: list[int]
    interval: tuple[int, int]
    strategies: list = field(default_factory=list)  # op nodes: factor strategies
    rule: FactorRule | None = None
    loc: object = None


@dataclass
class PlanProblem:
    graph: FuncGraph
    model: CostModel
    nodes: list[PNode]
    edges: dict  # (u, v) -> list[(value id, src result index, dst operand spec)]
    problem: Problem
    unruled: list  # op nodes with no rule (OpNode)


@dataclass
class Plan:
    """The solver's choice, in sharding terms."""

    value_sharding: dict  # value id -> Sharding produced
    op_strategy: dict  # op id -> (FactorRule | None, strategy | None)
    return_sharding: list  # per return operand: Sharding | None (non-tensor)
    solution: Solution
    node_choice: list  # per problem node: strategy index


def _layouts(grid, tensor) -> list[Sharding]:
    """Every non-partial layout of a tensor: the `source` rule's strategies."""
    rule = source_rule(OpInfo("layout", (), (tensor,)))
    assert rule is not None  # a tensor always has a source rule
    return [rule.result_sharding(grid, s) for s in rule.strategies(grid)]


def op_rule(op_node) -> FactorRule | None:
    return rule_for(op_node.info)


def operand_requirement(rule, grid, strat, k) -> Sharding:
    if rule is None or strat is None:
        return Sharding(grid.name)
    if k >= len(rule.operands):
        return Sharding(grid.name)
    return rule.operand_sharding(grid, strat, k)


def op_cost(model: CostModel, rule: FactorRule, strat, operand_tensors, result_tensors, result_shardings) -> float:
    """Seconds for one op under `strat`: the roofline of its flops and the
    local bytes it reads and writes, plus the halo exchanges its split
    windows need."""
    grid = model.grid
    traffic = 0
    for k, t in enumerate(operand_tensors):
        if t is not None and rule.reads(k):
            traffic += model.local_bytes(t.shape, t.itemsize, operand_requirement(rule, grid, strat, k))
    for t, sh in zip(result_tensors, result_shardings):
        if rule.writes_results:
            traffic += model.local_bytes(t.shape, t.itemsize, sh)
    cost = model.compute_cost(rule.flops, rule.effective_shards(grid, strat), traffic)
    for w in rule.windows:
        axes = strat[w.factor]
        halo = rule.halo(grid, strat, w)
        t = operand_tensors[w.operand]
        if not axes or halo is None or t is None:
            continue
        local = operand_requirement(rule, grid, strat, w.operand).local_shape(grid, t.shape)
        row_bytes = model.local_bytes(t.shape, t.itemsize, operand_requirement(rule, grid, strat, w.operand)) // local[w.dim]
        cost += model.halo_cost(axes, max(halo[0], 0) * row_bytes, max(halo[1], 0) * row_bytes)
    return cost


def build_problem(graph: FuncGraph, model: CostModel, usage_limit: int | None,
                  strategy_filter=None) -> PlanProblem:
    """`strategy_filter(op_node, rule, strategies) -> strategies` restricts op
    strategies (used for baseline plans such as Megatron)."""
    grid = cast(Grid, graph.grid)  # planning needs a grid (the cost model has one)
    ops = graph.ops
    T = len(ops) + 1
    last_use: dict[int, int] = {}
    for op in ops:
        for b in op.operands:
            last_use[b] = max(last_use.get(b, 0), op.id + 1)
    returned = set(graph.return_op.operands) if graph.return_op else set()

    def interval(vid, start):
        if vid in returned:
            return (start, T)
        return (start, max(last_use.get(vid, start + 1), start + 1))

    nodes: list[PNode] = []
    producer_node: dict[int, tuple[int, int]] = {}  # value id -> (node index, result index)
    for v in graph.values:
        if v.producer is None and v.tensor is not None:
            lay = _layouts(grid, v.tensor)
            producer_node[v.id] = (len(nodes), 0)
            nodes.append(PNode("arg", v.id, [[s] for s in lay], [0.0] * len(lay),
                               [model.local_bytes(v.tensor.shape, v.tensor.itemsize, s) for s in lay],
                               (0, T), loc=None))
    unruled = []
    op_node_index: dict[int, int] = {}
    for op in ops:
        if op is graph.return_op:
            continue
        # Any: ValueNode.tensor is Optional, but these values have one.
        tensors: list[tuple[int, Any]] = [(k, graph.values[r]) for k, r in enumerate(op.results) if graph.values[r].tensor is not None]
        if not tensors:
            continue
        rule = op_rule(op)
        strategies: list[Any]
        if rule is None:
            unruled.append(op)
            strategies = [None]
        else:
            strategies = rule.strategies(grid)
            if strategy_filter is not None:
                strategies = strategy_filter(op, rule, strategies)
        results, costs, usages = [], [], []
        operand_tensors = [graph.values[b].tensor for b in op.operands]
        for st in strategies:
            if rule is None:
                shs = [Sharding(grid.name) for _ in tensors]
                # Unknown ops are priced at one flop per result element.
                flops = sum(_numel(v.tensor.shape) for _, v in tensors)
                traffic = sum(t.nbytes for t in operand_tensors if t is not None)
                traffic += sum(v.tensor.nbytes for _, v in tensors)
                costs.append(model.compute_cost(flops, 1, traffic))
            else:
                shs = [rule.result_sharding(grid, st, k) for k, _ in tensors]
                costs.append(op_cost(model, rule, st, operand_tensors, [v.tensor for _, v in tensors], shs))
            results.append(shs)
            usages.append(sum(model.local_bytes(v.tensor.shape, v.tensor.itemsize, s) for (_, v), s in zip(tensors, shs)))
        idx = len(nodes)
        op_node_index[op.id] = idx
        for j, (k, v) in enumerate(tensors):
            producer_node[v.id] = (idx, j)
        start = op.id + 1
        end = max(interval(v.id, start)[1] for _, v in tensors)
        nodes.append(PNode("op", op.id, results, costs, usages, (start, end), strategies, rule, op.loc))

    edges: dict = {}
    ann_nodes: dict = {}

    def add_edge(u, v, src_res, shape, itemsize, requirement):
        edges.setdefault((u, v), []).append((src_res, shape, itemsize, requirement))

    def feed(vid, chain, dst, requirement_fn):
        """Edges from value `vid` through its annotation chain into node `dst`;
        requirement_fn(strategy index of dst) -> Sharding needed there."""
        t = graph.values[vid].tensor
        src, res = producer_node[vid]
        for depth in range(len(chain)):
            key = (vid, tuple(id(a) for a in chain[: depth + 1]))
            if key not in ann_nodes:
                ann = chain[depth]
                ann_nodes[key] = len(nodes)
                nodes.append(PNode("annotation", key, [[ann.sharding]], [0.0], [0], nodes[src].interval, loc=ann.loc))
                add_edge(src, ann_nodes[key], res, t.shape, t.itemsize, lambda j, s=ann.sharding: s)
            src, res = ann_nodes[key], 0
        add_edge(src, dst, res, t.shape, t.itemsize, requirement_fn)

    for op in ops:
        if op is graph.return_op:
            for k, (vid, chain) in enumerate(zip(op.operands, op.chains)):
                t = graph.values[vid].tensor
                if t is None or vid not in producer_node:
                    continue
                lay = [chain[-1].sharding] if chain else _layouts(grid, t)
                dst = len(nodes)
                nodes.append(PNode("return", k, [[s] for s in lay], [0.0] * len(lay), [0] * len(lay), (T - 1, T)))
                feed(vid, chain, dst, lambda j, lay=lay: lay[j])
            continue
        if op.id not in op_node_index:
            continue
        node = nodes[op_node_index[op.id]]
        for k, (vid, chain) in enumerate(zip(op.operands, op.chains)):
            if graph.values[vid].tensor is None or vid not in producer_node:
                continue
            feed(vid, chain, op_node_index[op.id],
                 lambda j, node=node, k=k: operand_requirement(node.rule, grid, node.strategies[j], k))

    edge_list, edge_costs = [], []
    for (u, v), feeds in sorted(edges.items()):
        ku, kv = len(nodes[u].results), len(nodes[v].results)
        mat = [0] * (ku * kv)
        for src_res, shape, itemsize, req in feeds:
            reqs = [req(j) for j in range(kv)]
            for i in range(ku):
                src_sh = nodes[u].results[i][src_res]
                for j in range(kv):
                    c = model.reshard_cost(tuple(shape), itemsize, src_sh, reqs[j])
                    cell = FORBIDDEN_COST if c is None else to_ps(c)
                    mat[i * kv + j] = min(FORBIDDEN_COST, mat[i * kv + j] + cell)
        edge_list.append((u, v))
        edge_costs.append(mat)

    problem = Problem(
        name=graph.name,
        intervals=[n.interval for n in nodes],
        costs=[[to_ps(c) for c in n.costs] for n in nodes],
        usages=[n.usages for n in nodes],
        edges=edge_list,
        edge_costs=edge_costs,
        usage_limit=usage_limit,
    )
    return PlanProblem(graph, model, nodes, edges, problem, unruled)


def _numel(shape) -> int:
    return numel(shape)


def decode(pp: PlanProblem, solution: Solution) -> Plan:
    value_sharding, op_strategy, ret = {}, {}, []
    graph = pp.graph
    for idx, (node, choice) in enumerate(zip(pp.nodes, solution.assignment)):
        if node.kind == "arg":
            value_sharding[node.ref] = node.results[choice][0]
        elif node.kind == "op":
            op = graph.ops[node.ref]
            op_strategy[op.id] = (node.rule, node.strategies[choice])
            tensors = [r for r in op.results if graph.values[r].tensor is not None]
            for vid, sh in zip(tensors, node.results[choice]):
                value_sharding[vid] = sh
    if graph.return_op is not None:
        ret = [None] * len(graph.return_op.operands)
        for node, choice in zip(pp.nodes, solution.assignment):
            if node.kind == "return":
                ret[node.ref] = node.results[choice][0]
    return Plan(value_sharding, op_strategy, ret, solution, list(solution.assignment))
