// autoshard-partition on hand-annotated modules: local shapes, and one
// collective per change of layout, on 1-D and 2-D grids.
// RUN: autoshard-opt %s --split-input-file --autoshard-partition | FileCheck %s
// RUN: autoshard-opt %s --split-input-file --autoshard-partition | mlir-opt --split-input-file > /dev/null
// RUN: autoshard-opt %s --split-input-file --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify)' > /dev/null

// A k-split matmul whose partial result the return wants split by rows:
// a reduce_scatter, not an all_reduce.
// CHECK-LABEL: func.func @k_split
// CHECK-SAME: %arg0: tensor<8x16x4xf32>
// CHECK-SAME: %arg1: tensor<8x4x8xf32>
// CHECK-SAME: -> (tensor<8x4x8xf32>
// CHECK: %[[M:.*]] = tosa.matmul %arg0, %arg1, {{.*}} -> tensor<8x16x8xf32>
// CHECK: shard.reduce_scatter %[[M]] on @g grid_axes = [0] scatter_axis = 1 : tensor<8x16x8xf32> -> tensor<8x4x8xf32>
shard.grid @g(shape = 4)
func.func @k_split(%a: tensor<8x16x16xf32>, %b: tensor<8x16x8xf32>) -> tensor<8x16x8xf32> {
  %sa = shard.sharding @g split_axes = [[], [], [0]] : !shard.sharding
  %sb = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %sr = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %a0 = shard.shard %a to %sa : tensor<8x16x16xf32>
  %b0 = shard.shard %b to %sb : tensor<8x16x8xf32>
  %m = tosa.matmul %a0, %b0, %zp, %zp : (tensor<8x16x16xf32>, tensor<8x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<8x16x8xf32>
  %r = shard.shard %m to %sr annotate_for_users : tensor<8x16x8xf32>
  return %r : tensor<8x16x8xf32>
}

// -----

// 2-D grid: moving an axis between dimensions is an all_to_all; dropping a
// split is an all_gather; extending a split is an all_slice; a broadcast
// operand stays whole along its size-1 dim 0.
// CHECK-LABEL: func.func @two_d
// CHECK-SAME: %arg0: tensor<4x4xf32>
// CHECK-SAME: %arg1: tensor<1x4xf32>
// CHECK: %[[T:.*]] = shard.all_to_all %arg0 on @g grid_axes = [1] split_axis = 1 concat_axis = 0 : tensor<4x4xf32> -> tensor<16x1xf32>
// CHECK: %[[BS:.*]] = shard.all_slice %arg1 on @g grid_axes = [1] slice_axis = 1 : tensor<1x4xf32> -> tensor<1x1xf32>
// CHECK: tosa.add %[[T]], %[[BS]] : (tensor<16x1xf32>, tensor<1x1xf32>) -> tensor<16x1xf32>
// CHECK: shard.all_gather {{.*}} grid_axes = [0, 1] gather_axis = 1 : tensor<16x1xf32> -> tensor<16x8xf32>
shard.grid @g(shape = 2x4)
func.func @two_d(%x: tensor<16x8xf32>, %b: tensor<1x8xf32>) -> tensor<16x8xf32> {
  %sx = shard.sharding @g split_axes = [[1], [0]] : !shard.sharding
  %sb = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %sy = shard.sharding @g split_axes = [[], [0, 1]] : !shard.sharding
  %sr = shard.sharding @g split_axes = [[]] : !shard.sharding
  %x0 = shard.shard %x to %sx : tensor<16x8xf32>
  %x1 = shard.shard %x0 to %sy annotate_for_users : tensor<16x8xf32>
  %b0 = shard.shard %b to %sb : tensor<1x8xf32>
  %y = tosa.add %x1, %b0 : (tensor<16x8xf32>, tensor<1x8xf32>) -> tensor<16x8xf32>
  %y1 = shard.shard %y to %sr annotate_for_users : tensor<16x8xf32>
  return %y1 : tensor<16x8xf32>
}

// -----

// An op without a rule (tosa.slice) runs replicated on gathered operands.
// CHECK-LABEL: func.func @no_rule
// CHECK: %[[G:.*]] = shard.all_gather %arg0 on @g grid_axes = [0] gather_axis = 0 : tensor<2x8xf32> -> tensor<8x8xf32>
// CHECK: tosa.slice %[[G]], %{{.*}}, %{{.*}} : (tensor<8x8xf32>, !tosa.shape<2>, !tosa.shape<2>) -> tensor<4x8xf32>
shard.grid @g(shape = 4)
func.func @no_rule(%x: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %s = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %x0 = shard.shard %x to %s : tensor<8x8xf32>
  %start = tosa.const_shape {values = dense<[2, 0]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %size = tosa.const_shape {values = dense<[4, 8]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.slice %x0, %start, %size : (tensor<8x8xf32>, !tosa.shape<2>, !tosa.shape<2>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// tosa.reshape keeps the split of the major dimension of a merged run and gets
// a local shape operand.
// CHECK-LABEL: func.func @reshape
// CHECK-SAME: %arg0: tensor<1x8x16xf32>
// CHECK: %[[S:.*]] = tosa.const_shape {values = dense<[8, 16]> : tensor<2xindex>} : () -> !tosa.shape<2>
// CHECK: tosa.reshape %arg0, %[[S]] : (tensor<1x8x16xf32>, !tosa.shape<2>) -> tensor<8x16xf32>
shard.grid @g(shape = 4)
func.func @reshape(%x: tensor<4x8x16xf32>) -> tensor<32x16xf32> {
  %s = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %x0 = shard.shard %x to %s : tensor<4x8x16xf32>
  %shape = tosa.const_shape {values = dense<[32, 16]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.reshape %x0, %shape : (tensor<4x8x16xf32>, !tosa.shape<2>) -> tensor<32x16xf32>
  %r0 = shard.shard %r to %s : tensor<32x16xf32>
  return %r0 : tensor<32x16xf32>
}

// -----

// shard.get_sharding resolves to the operand's layout in the SPMD program.
// CHECK-LABEL: func.func @return_sharding
// CHECK-SAME: %arg0: tensor<1xf32>
// CHECK: %[[S:.*]] = shard.sharding @g1 split_axes = {{\[\[}}0]] : !shard.sharding
// CHECK: return %arg0, %[[S]] : tensor<1xf32>, !shard.sharding
shard.grid @g1(shape = 2)
func.func @return_sharding(%arg0: tensor<2xf32>) -> (tensor<2xf32>, !shard.sharding) {
  %s = shard.sharding @g1 split_axes = [[0]] : !shard.sharding
  %a = shard.shard %arg0 to %s : tensor<2xf32>
  %r = shard.get_sharding %a : tensor<2xf32> -> !shard.sharding
  %b = shard.shard %a to %s annotate_for_users : tensor<2xf32>
  return %b, %r : tensor<2xf32>, !shard.sharding
}
