"""SPMD programs in the simulator equal their single-device originals."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_sim_util import func_type, parse

from autoshard.sim import SimError, random_inputs, run_function, run_spmd

ZP = '%zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>'
SH = '%sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>'

MATMUL = f"""
func.func @mm(%a: tensor<1x8x16xf32>, %b: tensor<1x16x12xf32>) -> tensor<1x8x12xf32> {{
  {ZP}
  %r = tosa.matmul %a, %b, %zp, %zp : (tensor<1x8x16xf32>, tensor<1x16x12xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x12xf32>
  return %r : tensor<1x8x12xf32>
}}
"""


def test_matmul_rows_times_columns_then_all_gather_on_2x2():
    # device (i, j): rows block i of A, column block j of B -> block (i, j) of C,
    # gathered along grid axis 1 (columns) then grid axis 0 (rows).
    spmd = parse(
        MATMUL
        + f"""
shard.grid @g(shape = 2x2)
func.func @mm_spmd(%a: tensor<1x4x16xf32>, %b: tensor<1x16x6xf32>) -> tensor<1x8x12xf32> {{
  {ZP}
  %c = tosa.matmul %a, %b, %zp, %zp : (tensor<1x4x16xf32>, tensor<1x16x6xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x6xf32>
  %row = shard.all_gather %c on @g grid_axes = [1] gather_axis = 2 : tensor<1x4x6xf32> -> tensor<1x4x12xf32>
  %all = shard.all_gather %row on @g grid_axes = [0] gather_axis = 1 : tensor<1x4x12xf32> -> tensor<1x8x12xf32>
  return %all : tensor<1x8x12xf32>
}}"""
    )
    a, b = random_inputs(func_type(spmd, "mm"), seed=0)
    expected = run_function(spmd, "mm", [a, b])[0]
    per_device = {(i, j): [a[:, 4 * i : 4 * i + 4], b[:, :, 6 * j : 6 * j + 6]] for i, j in itertools.product(range(2), range(2))}
    out = run_spmd(spmd, "mm_spmd", per_device)
    assert sorted(out) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    for outs in out.values():
        np.testing.assert_array_equal(outs[0], expected)  # same dot products, same rounding


def test_matmul_contracting_split_all_reduce_on_1d():
    spmd = parse(
        MATMUL
        + f"""
shard.grid @g(shape = 4)
func.func @mm_k(%a: tensor<1x8x4xf32>, %b: tensor<1x4x12xf32>) -> tensor<1x8x12xf32> {{
  {ZP}
  %p = tosa.matmul %a, %b, %zp, %zp : (tensor<1x8x4xf32>, tensor<1x4x12xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x12xf32>
  %r = shard.all_reduce %p on @g grid_axes = [0] reduction = sum : tensor<1x8x12xf32> -> tensor<1x8x12xf32>
  return %r : tensor<1x8x12xf32>
}}"""
    )
    a, b = random_inputs(func_type(spmd, "mm"), seed=1)
    expected = run_function(spmd, "mm", [a, b])[0]
    out = run_spmd(spmd, "mm_k", {(k,): [a[:, :, 4 * k : 4 * k + 4], b[:, 4 * k : 4 * k + 4]] for k in range(4)})
    for outs in out.values():
        # partial sums are rounded to f32 before the all_reduce: equal up to f32 rounding
        np.testing.assert_allclose(outs[0], expected, rtol=1e-5, atol=1e-6)


MLP = f"""
shard.grid @g(shape = 2)
func.func @mlp(%x: tensor<4x8xf32>, %w1: tensor<8x16xf32>, %w2: tensor<16x8xf32>) -> tensor<4x8xf32> {{
  {ZP}
  {SH}
  %s = shard.sharding @g split_axes = [[]] : !shard.sharding
  %xa = shard.shard %x to %s annotate_for_users : tensor<4x8xf32>
  %s3a = tosa.const_shape {{values = dense<[1, 4, 8]> : tensor<3xindex>}} : () -> !tosa.shape<3>
  %s3b = tosa.const_shape {{values = dense<[1, 8, 16]> : tensor<3xindex>}} : () -> !tosa.shape<3>
  %s3c = tosa.const_shape {{values = dense<[1, 16, 8]> : tensor<3xindex>}} : () -> !tosa.shape<3>
  %s2o = tosa.const_shape {{values = dense<[4, 8]> : tensor<2xindex>}} : () -> !tosa.shape<2>
  %x3 = tosa.reshape %xa, %s3a : (tensor<4x8xf32>, !tosa.shape<3>) -> tensor<1x4x8xf32>
  %w13 = tosa.reshape %w1, %s3b : (tensor<8x16xf32>, !tosa.shape<3>) -> tensor<1x8x16xf32>
  %h = tosa.matmul %x3, %w13, %zp, %zp : (tensor<1x4x8xf32>, tensor<1x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x16xf32>
  %e = tosa.erf %h : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %g = tosa.mul %h, %e, %sh : (tensor<1x4x16xf32>, tensor<1x4x16xf32>, tensor<1xi8>) -> tensor<1x4x16xf32>
  %w23 = tosa.reshape %w2, %s3c : (tensor<16x8xf32>, !tosa.shape<3>) -> tensor<1x16x8xf32>
  %y = tosa.matmul %g, %w23, %zp, %zp : (tensor<1x4x16xf32>, tensor<1x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x8xf32>
  %y2 = tosa.reshape %y, %s2o : (tensor<1x4x8xf32>, !tosa.shape<2>) -> tensor<4x8xf32>
  return %y2 : tensor<4x8xf32>
}}
func.func @hidden(%h: tensor<1x4x8xf32>, %w: tensor<1x8x8xf32>) -> tensor<1x4x8xf32> {{
  {ZP}
  {SH}
  %p = tosa.matmul %h, %w, %zp, %zp : (tensor<1x4x8xf32>, tensor<1x8x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x8xf32>
  %e = tosa.erf %p : (tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %g = tosa.mul %p, %e, %sh : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1xi8>) -> tensor<1x4x8xf32>
  return %g : tensor<1x4x8xf32>
}}
func.func @mlp_spmd(%x: tensor<4x8xf32>, %w1: tensor<8x8xf32>, %w2: tensor<8x8xf32>) -> tensor<4x8xf32> {{
  {ZP}
  %s3a = tosa.const_shape {{values = dense<[1, 4, 8]> : tensor<3xindex>}} : () -> !tosa.shape<3>
  %s3b = tosa.const_shape {{values = dense<[1, 8, 8]> : tensor<3xindex>}} : () -> !tosa.shape<3>
  %s2o = tosa.const_shape {{values = dense<[4, 8]> : tensor<2xindex>}} : () -> !tosa.shape<2>
  %x3 = tosa.reshape %x, %s3a : (tensor<4x8xf32>, !tosa.shape<3>) -> tensor<1x4x8xf32>
  %w13 = tosa.reshape %w1, %s3b : (tensor<8x8xf32>, !tosa.shape<3>) -> tensor<1x8x8xf32>
  %g = func.call @hidden(%x3, %w13) : (tensor<1x4x8xf32>, tensor<1x8x8xf32>) -> tensor<1x4x8xf32>
  %w23 = tosa.reshape %w2, %s3b : (tensor<8x8xf32>, !tosa.shape<3>) -> tensor<1x8x8xf32>
  %p = tosa.matmul %g, %w23, %zp, %zp : (tensor<1x4x8xf32>, tensor<1x8x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x8xf32>
  %r = shard.all_reduce %p on @g grid_axes = [0] reduction = sum : tensor<1x4x8xf32> -> tensor<1x4x8xf32>
  %y = tosa.reshape %r, %s2o : (tensor<1x4x8xf32>, !tosa.shape<2>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}}
"""


def test_megatron_mlp_column_then_row_split_with_call():
    # W1 split by columns, W2 by rows: each device holds half the hidden units
    # (erf-GELU is elementwise), the second matmul's partial sums are all-reduced.
    module = parse(MLP)
    x, w1, w2 = random_inputs(func_type(module, "mlp"), seed=2)
    expected = run_function(module, "mlp", [x, w1, w2])[0]  # shard.sharding/shard.shard are identities
    out = run_spmd(module, "mlp_spmd", {(k,): [x, w1[:, 8 * k : 8 * k + 8], w2[8 * k : 8 * k + 8]] for k in range(2)})
    for outs in out.values():
        np.testing.assert_allclose(outs[0], expected, rtol=1e-5, atol=1e-6)
    # a wrong partition (both devices given the first half) is caught
    wrong = run_spmd(module, "mlp_spmd", {(k,): [x, w1[:, :8], w2[:8]] for k in range(2)})
    assert not np.allclose(wrong[(0,)][0], expected, rtol=1e-3)


def test_no_grid_means_one_device_and_single_grid_is_used_without_collectives():
    plain = parse(MATMUL)
    a, b = random_inputs(func_type(plain, "mm"), seed=3)
    out = run_spmd(plain, "mm", {(): [a, b]})
    np.testing.assert_array_equal(out[()][0], run_function(plain, "mm", [a, b])[0])
    gridded = parse("shard.grid @g(shape = 3)\n" + MATMUL)
    out = run_spmd(gridded, "mm", {(k,): [a, b] for k in range(3)})
    assert sorted(out) == [(0,), (1,), (2,)]


def test_two_grids_in_one_function_are_refused():
    module = parse(
        """
shard.grid @g(shape = 2)
shard.grid @h(shape = 2)
func.func @f(%t: tensor<2xf32>) -> tensor<2xf32> {
  %0 = shard.all_reduce %t on @g grid_axes = [0] : tensor<2xf32> -> tensor<2xf32>
  %1 = shard.all_reduce %0 on @h grid_axes = [0] : tensor<2xf32> -> tensor<2xf32>
  return %1 : tensor<2xf32>
}"""
    )
    with pytest.raises(SimError, match="uses grids"):
        run_spmd(module, "f", {(k,): [np.zeros(2, np.float32)] for k in range(2)})


def test_index_arithmetic_from_process_index():
    # the offset of a device's block, as partitioned code computes it
    module = parse(
        """
shard.grid @g(shape = 2x3)
func.func @f(%t: tensor<2xf32>) -> (index, index, index, index, tensor<2xf32>) {
  %pi:2 = shard.process_multi_index on @g : index, index
  %c4 = arith.constant 4 : index
  %c3 = arith.constant 3 : index
  %m = arith.muli %pi#1, %c4 : index
  %a = arith.addi %m, %pi#0 : index
  %d = arith.divsi %a, %c3 : index
  %r = arith.remsi %a, %c3 : index
  %s = arith.subi %d, %r : index
  %half = arith.constant dense<0.5> : tensor<2xf32>
  %y = arith.mulf %t, %half : tensor<2xf32>
  return %a, %d, %r, %s, %y : index, index, index, index, tensor<2xf32>
}"""
    )
    out = run_spmd(module, "f", {(i, j): [np.float32([i, j])] for i, j in itertools.product(range(2), range(3))})
    for (i, j), (a, d, r, s, y) in out.items():
        assert (a, d, r, s) == (4 * j + i, (4 * j + i) // 3, (4 * j + i) % 3, (4 * j + i) // 3 - (4 * j + i) % 3)
        assert y.dtype == np.float32 and y.tolist() == [i / 2, j / 2]
