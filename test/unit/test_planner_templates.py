"""The template builder (planner/templates.py shared per distinct op,
resharding matrices shared per distinct layouts) gives exactly the Problem
a direct build gives: one rule call, one cost and one resharding plan per
node, strategy and edge cell, nothing shared.  `direct_problem` below is
that direct build, written out independently of the builder."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from autoshard.cost import Cluster, CostModel
from autoshard.graph import build_graph
from autoshard.ir import ir
from autoshard.ir.loader import load_module
from autoshard.planner import build_problem
from autoshard.planner.baselines import megatron_filter
from autoshard.planner.memory import add_copy_usages
from autoshard.planner.reads import Use, plan_reads, second_stage_allowed
from autoshard.planner.templates import layouts, op_cost, operand_requirement, to_ps
from autoshard.rules import rule_for
from autoshard.rules.constant_like import whole_constant_bytes
from autoshard.rules.factor import numel
from autoshard.rules.workspace import workspace
from autoshard.sharding import Sharding
from autoshard.solver import FORBIDDEN_COST, Problem
from autoshard.transforms.common import entry_functions, function_grid, grid_or_error, resolve_grid

ROOT = Path(__file__).resolve().parents[2]
SHARED_BLOCK = ROOT.parent / "shared" / "corpus" / "torch" / "gpt2_block.tosa.mlir"

ANNOTATED = """shard.grid @g(shape = 2x2)
func.func @f(%a: tensor<8x16xf32>, %b: tensor<8x16xf32>, %c: tensor<5x6xf32>) -> (tensor<8x16xf32>, tensor<5x6xf32>) {
  %sa = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %sb = shard.sharding @g split_axes = [[], [1]] : !shard.sharding
  %sr = shard.sharding @g split_axes = [[1]] : !shard.sharding
  %as = shard.shard %a to %sa : tensor<8x16xf32>
  %as2 = shard.shard %as to %sr annotate_for_users : tensor<8x16xf32>
  %bs = shard.shard %b to %sb : tensor<8x16xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %m = tosa.mul %as2, %bs, %shift : (tensor<8x16xf32>, tensor<8x16xf32>, tensor<1xi8>) -> tensor<8x16xf32>
  %r = tosa.add %m, %as : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  %rs = shard.shard %r to %sr : tensor<8x16xf32>
  %t = tosa.tanh %c : (tensor<5x6xf32>) -> tensor<5x6xf32>
  %t2 = tosa.add %t, %t : (tensor<5x6xf32>, tensor<5x6xf32>) -> tensor<5x6xf32>
  return %rs, %t2 : tensor<8x16xf32>, tensor<5x6xf32>
}
"""


def direct_problem(graph, model, usage_limit, strategy_filter=None) -> Problem:
    """The problem of docs/ilp.md, built node by node and cell by cell.
    Which values get read nodes, and the copy usages, come from
    planner/reads.py and planner/memory.py (on these nodes and cells)."""
    grid = graph.grid
    T = len(graph.ops) + 1
    last_use: dict[int, int] = {}
    for op in graph.ops:
        for b in op.operands:
            last_use[b] = max(last_use.get(b, 0), op.id + 2)  # closed: live at the last consumer
    returned = set(graph.return_op.operands) if graph.return_op else set()

    def end(vid, start):
        return T if vid in returned else max(last_use.get(vid, start + 1), start + 1)

    nodes: list = []

    def add(kind, ref, interval, node_costs, node_usages, node_results) -> int:
        nodes.append(SimpleNamespace(kind=kind, ref=ref, interval=interval, costs=node_costs, usages=node_usages,
                                     results=node_results))
        return len(nodes) - 1

    producer: dict[int, tuple[int, int]] = {}
    requirement: dict[int, tuple] = {}  # node -> (rule, strategies)
    for v in graph.values:
        if v.producer is None and v.tensor is not None:
            lay = layouts(grid, v.tensor)
            producer[v.id] = (add("arg", v.id, (0, T), [0] * len(lay),
                                  [model.local_bytes(v.tensor.shape, v.tensor.itemsize, s) for s in lay],
                                  [[s] for s in lay]), 0)
    op_node: dict[int, int] = {}
    for op in graph.ops:
        tensors = [graph.values[r] for r in op.results if graph.values[r].tensor is not None]
        if op is graph.return_op or not tensors:
            continue
        rule = rule_for(op.info)
        strategies = [None] if rule is None else rule.strategies(grid)
        if rule is not None and strategy_filter is not None:
            strategies = strategy_filter(op, rule, strategies)
        node_costs, node_usages, node_results = [], [], []
        for st in strategies:
            if rule is None:
                shs = [Sharding(grid.name) for _ in tensors]
                traffic = sum(t.nbytes for t in op.info.operands if t is not None) + sum(v.tensor.nbytes for v in tensors)
                seconds = model.compute_cost(sum(numel(v.tensor.shape) for v in tensors), 1, traffic)
            else:
                shs = [rule.result_sharding(grid, st, k) for k, r in enumerate(op.results)
                       if graph.values[r].tensor is not None]
                seconds = op_cost(model, rule, st, op.info.operands, [v.tensor for v in tensors], shs)
            node_costs.append(to_ps(seconds))
            temporaries = workspace(grid, op.info, rule, st) if rule is not None and op.name != "tosa.const" else 0
            node_usages.append(sum(model.local_bytes(v.tensor.shape, v.tensor.itemsize, s)
                                   for v, s in zip(tensors, shs)) + temporaries)
            node_results.append(shs)
        idx = add("op", op.id, (op.id + 1, max(end(v.id, op.id + 1) for v in tensors)), node_costs, node_usages,
                  node_results)
        op_node[op.id] = idx
        requirement[idx] = (rule, strategies)
        for j, v in enumerate(tensors):
            producer[v.id] = (idx, j)
        whole = max(whole_constant_bytes(op, grid, shs[0]) for shs in node_results)
        if whole:
            add("constant", op.id, (op.id + 1, op.id + 2), [0], [whole], [[Sharding(grid.name)]])

    uses = []
    for op in graph.ops:
        for k, (vid, chain) in enumerate(zip(op.operands, op.chains)):
            t = graph.values[vid].tensor
            if t is None or vid not in producer:
                continue
            if op is graph.return_op:
                lay = [chain[-1].sharding] if chain else layouts(grid, t)
                dst = add("return", k, (T - 1, T), [0] * len(lay), [0] * len(lay), [[s] for s in lay])
                uses.append(Use(vid, chain, dst, lambda j, lay=lay: lay[j], T - 1))
            elif op.id in op_node:
                rule, strategies = requirement[op_node[op.id]]
                wanted = [operand_requirement(rule, grid, st, k) for st in strategies]
                uses.append(Use(vid, chain, op_node[op.id], lambda j, w=wanted: w[j], op.id + 1))

    def read_node(vid, lay, node_usages, span) -> int:
        return add("read", vid, span, [0] * len(lay), list(node_usages), [[s] for s in lay])

    read_of, producer_end = plan_reads(graph, nodes, producer, uses, model, read_node)
    for idx, node in enumerate(nodes):
        if node.kind == "op":
            vids = [v for v, (i, _) in producer.items() if i == idx]
            if any(v in producer_end for v in vids):
                start = node.interval[0]
                node.interval = (start, max(producer_end.get(v, end(v, start)) for v in vids))

    feeds: dict = {}
    annotation: dict = {}

    def charge(u, res, v, tensor, wanted) -> None:
        feeds.setdefault((u, v), []).append((res, tuple(tensor.shape), tensor.itemsize, wanted))

    def read(vid, chain, dst, wanted) -> None:
        t = graph.values[vid].tensor
        src, res = producer[vid]
        for depth, ann in enumerate(chain):
            key = (vid, tuple(id(a) for a in chain[: depth + 1]))
            if key not in annotation:
                annotation[key] = add("annotation", key, nodes[src].interval, [0], [0], [[ann.sharding]])
                charge(src, res, annotation[key], t, lambda j, s=ann.sharding: s)
            src, res = annotation[key], 0
        charge(src, res, dst, t, wanted)

    for vid, r in read_of.items():
        src, res = producer[vid]
        charge(src, res, r, graph.values[vid].tensor, lambda j, r=r: nodes[r].results[j][0])
    for use in uses:
        if use.vid in read_of and not use.chain:
            charge(read_of[use.vid], 0, use.dst, graph.values[use.vid].tensor, use.requirement)
        else:
            read(use.vid, use.chain, use.dst, use.requirement)

    matrices = {}
    for (u, v), fs in feeds.items():
        ku, kv = len(nodes[u].results), len(nodes[v].results)
        mat = np.zeros((ku, kv), dtype=np.int64)
        for res, shape, itemsize, wanted in fs:
            for i in range(ku):
                for j in range(kv):
                    src, dst = nodes[u].results[i][res], wanted(j)
                    c = model.reshard_cost(shape, itemsize, src, dst)
                    if nodes[u].kind == "read" and not second_stage_allowed(model, shape, src, dst):
                        c = None
                    mat[i, j] = min(FORBIDDEN_COST, mat[i, j] + (FORBIDDEN_COST if c is None else to_ps(c)))
        matrices[(u, v)] = mat
    add_copy_usages(nodes, feeds, model)
    edges = sorted(matrices)
    return Problem(graph.name, [n.interval for n in nodes], [n.costs for n in nodes], [n.usages for n in nodes],
                   edges, [matrices[e].reshape(-1) for e in edges], usage_limit)


def _graphs(text: str, name: str, grid_text: str):
    ctx = ir.Context()
    module = load_module(text, name, ctx)
    with ctx:
        default = grid_or_error(resolve_grid(module, grid_text, create=True), module)
        for func_op in entry_functions(module):
            grid = function_grid(module, func_op, default)
            yield build_graph(func_op, grid)


def _assert_same(built: Problem, direct: Problem) -> None:
    assert np.array_equal(built.intervals, direct.intervals)
    assert np.array_equal(built.edges, direct.edges)
    assert built.usage_limit == direct.usage_limit
    for name in ("costs", "usages", "edge_costs"):
        ours, theirs = getattr(built, name), getattr(direct, name)
        assert len(ours) == len(theirs), name
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert np.array_equal(a, b), f"{name}[{i}]"


def _check(text: str, name: str, grid_text: str, with_megatron: bool = False) -> int:
    checked = 0
    for graph in _graphs(text, name, grid_text):
        model = CostModel(Cluster(), graph.grid)
        _assert_same(build_problem(graph, model, 1 << 30).problem, direct_problem(graph, model, 1 << 30))
        keep = megatron_filter(graph) if with_megatron else None
        if keep is not None:
            _assert_same(build_problem(graph, model, None, keep).problem, direct_problem(graph, model, None, keep))
        checked += 1
    return checked


@pytest.mark.parametrize("path, grid", [
    ("examples/mlp.mlir", "2x4"),
    ("examples/mlp.linalg.mlir", "2x4"),
    ("test/corpus/torch/resnet_basic_block_s2.tosa.mlir", "2x2"),
])
def test_template_build_equals_direct_build_on_files(path, grid):
    assert _check((ROOT / path).read_text(), path, grid, with_megatron=True) == 1


def test_template_build_equals_direct_build_with_annotations_and_uneven_splits():
    assert _check(ANNOTATED, "annotated.mlir", "2x2") == 1


def test_template_build_equals_direct_build_on_chained_blocks():
    if not SHARED_BLOCK.exists():
        pytest.skip(f"{SHARED_BLOCK} is absent (the shared corpus)")
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from gpt2_chain import chain
    finally:
        sys.path.remove(str(ROOT / "bench"))
    # Three copies of every op: the second and third come from the templates
    # the first built.
    assert _check(chain(SHARED_BLOCK.read_text(), 3), "gpt2_chain3.mlir", "2x4") == 1
