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

Everything that depends only on an op's shapes and attributes is computed
once per distinct op, and every resharding matrix once per distinct
(shape, source layouts, target layouts), by planner/templates.py; this file
wires the copies together.  When values are live is `Liveness`'s business
alone, and what a node occupies while live is its template's `usages`: the
memory model is those two places.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from autoshard.cost import CostModel
from autoshard.graph import FuncGraph
from autoshard.planner.memory import add_copy_usages
from autoshard.planner.reads import Use, from_read, plan_reads
from autoshard.planner.templates import PS_PER_S, OpTemplate, Templates, op_cost, operand_requirement, to_ps
from autoshard.rules.constant_like import whole_constant_bytes
from autoshard.rules import FactorRule
from autoshard.sharding import Sharding
from autoshard.solver import FORBIDDEN_COST, Problem, Solution

__all__ = ["PS_PER_S", "Liveness", "Needs", "PNode", "Plan", "PlanProblem", "build_problem", "decode",
           "op_cost", "operand_requirement", "to_ps"]


@dataclass
class PNode:
    """A problem node: its kind, what it stands for, and per strategy the
    sharding of the value it produces and the cost in seconds."""

    kind: str  # arg | op | constant | read | annotation | return
    ref: Any  # value id | op id | (value id, chain index key) | operand index of return
    results: Sequence[Sequence[Sharding]]  # per strategy: sharding of each tensor result (one for non-ops)
    costs: Sequence[float]
    usages: Any  # per strategy: bytes while live
    interval: tuple[int, int]
    strategies: Sequence = field(default_factory=list)  # op nodes: factor strategies
    rule: FactorRule | None = None
    loc: object = None
    result_ids: tuple = ()  # per tensor result: per strategy, the interned id of its sharding (templates.py)
    costs_ps: Any = None  # per strategy: cost in picoseconds (None: all zero)


@dataclass(frozen=True)
class Needs:
    """Per strategy of a consumer, the sharding it reads one operand in
    (callable with the strategy index), and the same as interned ids."""

    shardings: Sequence[Sharding]
    ids: tuple[int, ...]

    def __call__(self, j: int) -> Sharding:
        return self.shardings[j]


@dataclass
class PlanProblem:
    graph: FuncGraph
    model: CostModel
    nodes: list[PNode]
    edges: dict  # (u, v) -> list[(src result index, shape, itemsize, Needs)]
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
    read_sharding: dict = field(default_factory=dict)  # value id -> the layout its consumers read it in (reads.py)


class Liveness:
    """Time points and live intervals: time 0 is the function's entry, op i
    runs at i + 1, the return at T - 1; intervals are half-open.  An
    argument is live throughout (the caller holds it); an op's results from
    the op to their last use, both included (closed liveness: an op's
    operands and its results are live together), to the end if returned.
    planner/memory.py counts the rest of a plan's memory."""

    def __init__(self, graph: FuncGraph):
        self.T = len(graph.ops) + 1
        self.last_use: dict[int, int] = {}  # value id -> end of its interval
        for op in graph.ops:
            for b in op.operands:
                self.last_use[b] = max(self.last_use.get(b, 0), op.id + 2)
        self.returned = set(graph.return_op.operands) if graph.return_op else set()

    def argument(self) -> tuple[int, int]:
        return (0, self.T)

    def value_end(self, vid: int, start: int) -> int:
        if vid in self.returned:
            return self.T
        return max(self.last_use.get(vid, start + 1), start + 1)

    def op(self, op, result_ids: Sequence[int]) -> tuple[int, int]:
        start = op.id + 1
        return (start, max(self.value_end(v, start) for v in result_ids))

    def returned_value(self) -> tuple[int, int]:
        return (self.T - 1, self.T)


def build_problem(graph: FuncGraph, model: CostModel, usage_limit: int | None,
                  strategy_filter=None, templates: Templates | None = None) -> PlanProblem:
    """`strategy_filter(op_node, rule, strategies) -> strategies` restricts op
    strategies (used for baseline plans such as Megatron).  `templates` may
    be shared between builds on the same cost model."""
    with cycle_collection_paused():
        return _build(graph, model, usage_limit, strategy_filter, templates or Templates(model))


@contextmanager
def cycle_collection_paused():
    """Python's cycle collector off for a phase that allocates many small
    objects that are freed by reference counting or kept (tuples, layouts,
    nodes): each of its collections walks every live object -- the module's
    IR graph included -- which was a third of the build on 24 GPT-2 blocks.
    Restored as it was on the way out; nothing here builds cycles to leak."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(graph: FuncGraph, model: CostModel, usage_limit: int | None, strategy_filter,
           templates: Templates) -> PlanProblem:
    live = Liveness(graph)
    nodes: list[PNode] = []
    producer_node: dict[int, tuple[int, int]] = {}  # value id -> (node index, result index)
    _argument_nodes(graph, model, templates, live, nodes, producer_node)
    op_node_index, op_templates, unruled = _op_nodes(graph, templates, live, strategy_filter, nodes, producer_node)
    edges = _feeds(graph, templates, live, nodes, producer_node, op_node_index, op_templates)
    add_copy_usages(nodes, edges, model)
    edge_list = sorted(edges)
    problem = Problem(
        name=graph.name,
        intervals=[n.interval for n in nodes],
        costs=[np.zeros(len(n.results), dtype=np.int64) if n.costs_ps is None else n.costs_ps for n in nodes],
        usages=[np.asarray(n.usages, dtype=np.int64) for n in nodes],
        edges=edge_list,
        edge_costs=[_edge_matrix(templates, nodes[u], edges[(u, v)], from_read(nodes, u, 0)) for u, v in edge_list],
        usage_limit=usage_limit,
    )
    return PlanProblem(graph, model, nodes, edges, problem, unruled)


def _argument_nodes(graph, model, templates: Templates, live: Liveness, nodes, producer_node) -> None:
    for v in graph.values:
        if v.producer is None and v.tensor is not None:
            lay, ids = templates.layouts(v.tensor)
            producer_node[v.id] = (len(nodes), 0)
            usages = [model.local_bytes(v.tensor.shape, v.tensor.itemsize, s) for s in lay]
            nodes.append(PNode("arg", v.id, [[s] for s in lay], [0.0] * len(lay), usages,
                               live.argument(), result_ids=(ids,)))


def _op_nodes(graph, templates: Templates, live: Liveness, strategy_filter, nodes, producer_node):
    """One node per op with tensor results, from its template (restricted
    by `strategy_filter`); returns (op id -> node index, op id -> its
    template, ops without rule)."""
    unruled = []
    op_node_index: dict[int, int] = {}
    op_templates: dict[int, OpTemplate] = {}
    for op in graph.ops:
        if op is graph.return_op:
            continue
        tensors = [r for r in op.results if graph.values[r].tensor is not None]
        if not tensors:
            continue
        tpl = op_templates[op.id] = templates.op(op.info)
        if tpl.rule is None:
            unruled.append(op)
        strategies, results, costs, costs_ps, usages, result_ids = (
            tpl.strategies, tpl.results, tpl.costs, tpl.costs_ps, tpl.usages, tpl.result_ids)
        if strategy_filter is not None and tpl.rule is not None:
            chosen = strategy_filter(op, tpl.rule, list(tpl.strategies))
            keep = [j for j, s in enumerate(tpl.strategies) if s in chosen]
            strategies = tuple(strategies[j] for j in keep)
            results = tuple(results[j] for j in keep)
            costs = tuple(costs[j] for j in keep)
            costs_ps, usages = costs_ps[keep], usages[keep]
            result_ids = tuple(tuple(ids[j] for j in keep) for ids in result_ids)
        idx = len(nodes)
        op_node_index[op.id] = idx
        for j, vid in enumerate(tensors):
            producer_node[vid] = (idx, j)
        nodes.append(PNode("op", op.id, results, costs, usages, live.op(op, tensors), strategies, tpl.rule,
                           op.loc, result_ids, costs_ps))
        # (whole_constant_bytes is 0 for every other op)
        whole = 0 if op.name != "tosa.const" else max(
            (whole_constant_bytes(op, templates.model.grid, shs[0]) for shs in results), default=0)
        if whole:  # a dense constant is materialised whole at its op (planner/memory.py)
            replicated = Sharding(templates.model.grid.name)
            nodes.append(PNode("constant", op.id, [[replicated]], [0.0], [whole], (op.id + 1, op.id + 2),
                               loc=op.loc, result_ids=(templates.ids([replicated]),)))
    return op_node_index, op_templates, unruled


def _feeds(graph, templates: Templates, live: Liveness, nodes, producer_node, op_node_index, op_templates) -> dict:
    """Every tensor operand read, as (u, v) -> [(src result, shape, itemsize,
    Needs)]; adds the annotation and return nodes on the way."""
    edges: dict = {}
    ann_nodes: dict = {}

    def feed(vid, chain, dst, needs: Needs):
        """Edges from value `vid` through its annotation chain into node `dst`."""
        t = graph.values[vid].tensor
        shape = tuple(t.shape)
        src, res = producer_node[vid]
        for depth in range(len(chain)):
            key = (vid, tuple(id(a) for a in chain[: depth + 1]))
            if key not in ann_nodes:
                ann = chain[depth]
                ann_nodes[key] = len(nodes)
                ids = templates.ids([ann.sharding])
                nodes.append(PNode("annotation", key, [[ann.sharding]], [0.0], [0], nodes[src].interval,
                                   loc=ann.loc, result_ids=(ids,)))
                edges.setdefault((src, ann_nodes[key]), []).append(
                    (res, shape, t.itemsize, Needs([ann.sharding], ids)))
            src, res = ann_nodes[key], 0
        edges.setdefault((src, dst), []).append((res, shape, t.itemsize, needs))

    uses: list[Use] = []
    for op in graph.ops:
        if op is graph.return_op:
            for k, (vid, chain) in enumerate(zip(op.operands, op.chains)):
                t = graph.values[vid].tensor
                if t is None or vid not in producer_node:
                    continue
                if chain:
                    lay, ids = [chain[-1].sharding], templates.ids([chain[-1].sharding])
                else:
                    lay, ids = templates.layouts(t)
                dst = len(nodes)
                nodes.append(PNode("return", k, [[s] for s in lay], [0.0] * len(lay), [0] * len(lay),
                                   live.returned_value()))
                uses.append(Use(vid, chain, dst, Needs(lay, ids), live.T - 1))
            continue
        if op.id not in op_node_index:
            continue
        node = nodes[op_node_index[op.id]]
        tpl = op_templates[op.id]
        filtered = len(node.strategies) != len(tpl.strategies)
        keep = [tpl.strategies.index(s) for s in node.strategies] if filtered else None
        for k, (vid, chain) in enumerate(zip(op.operands, op.chains)):
            shardings, ids = tpl.needs[k], tpl.need_ids[k]
            if shardings is None or graph.values[vid].tensor is None or vid not in producer_node:
                continue
            if keep is not None:
                shardings, ids = tuple(shardings[j] for j in keep), tuple(ids[j] for j in keep)
            uses.append(Use(vid, chain, op_node_index[op.id], Needs(shardings, ids), op.id + 1))

    def read_node(vid, layouts, usages, span) -> int:
        nodes.append(PNode("read", vid, [[sh] for sh in layouts], [0.0] * len(layouts), usages, span,
                           result_ids=(templates.ids(layouts),)))
        return len(nodes) - 1

    read_of, producer_end = plan_reads(graph, nodes, producer_node, uses, templates.model, read_node)
    _shorten_producers(nodes, producer_node, producer_end, live)
    for vid, r in read_of.items():
        t = graph.values[vid].tensor
        src, res = producer_node[vid]
        layouts = [sh[0] for sh in nodes[r].results]
        edges.setdefault((src, r), []).append((res, tuple(t.shape), t.itemsize, Needs(layouts, nodes[r].result_ids[0])))
    for use in uses:
        if use.vid in read_of and not use.chain:
            t = graph.values[use.vid].tensor
            edges.setdefault((read_of[use.vid], use.dst), []).append((0, tuple(t.shape), t.itemsize, use.requirement))
        else:
            feed(use.vid, use.chain, use.dst, use.requirement)
    return edges


def _shorten_producers(nodes, producer_node, producer_end, live: Liveness) -> None:
    """An op node whose every tensor result is read through read nodes lives
    until the last of its reads is made."""
    results: dict[int, list[int]] = {}
    for vid, (idx, _) in producer_node.items():
        if nodes[idx].kind == "op":
            results.setdefault(idx, []).append(vid)
    for idx, vids in results.items():
        if not any(v in producer_end for v in vids):
            continue
        start = nodes[idx].interval[0]
        nodes[idx].interval = (start, max(producer_end.get(v, live.value_end(v, start)) for v in vids))


def _edge_matrix(templates: Templates, src: PNode, feeds, second_stage: bool = False) -> np.ndarray:
    """The flat (k_src x k_dst) resharding cost of one edge: the sum of its
    feeds (parallel reads of the same pair of nodes), capped at
    FORBIDDEN_COST.  Out of a read node (`second_stage`) only slices and
    reductions are allowed (planner/reads.py)."""
    total = None
    for src_res, shape, itemsize, needs in feeds:
        mat = templates.reshard_matrix(shape, itemsize, src.result_ids[src_res], needs.ids, second_stage)
        total = mat if total is None else np.minimum(total + mat, FORBIDDEN_COST)
    assert total is not None  # an edge has at least one feed
    return total.reshape(-1)


def decode(pp: PlanProblem, solution: Solution) -> Plan:
    value_sharding, op_strategy, ret, reads = {}, {}, [], {}
    graph = pp.graph
    for node, choice in zip(pp.nodes, solution.assignment):
        if node.kind == "arg":
            value_sharding[node.ref] = node.results[choice][0]
        elif node.kind == "read":
            reads[node.ref] = node.results[choice][0]
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
    return Plan(value_sharding, op_strategy, ret, solution, list(solution.assignment), reads)
