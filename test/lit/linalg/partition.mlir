// linalg structured ops on tensors partitioned under user annotations: the
// factors come from the indexing maps (parallel loops split, reduction loops
// split into partials of the body's combiner), the region is copied onto
// local operands, and a split sum starts from the init on one device only.
// RUN: autoshard-opt %s --split-input-file --autoshard-partition | FileCheck %s
// RUN: autoshard-opt %s --split-input-file --autoshard-partition | mlir-opt --split-input-file > /dev/null
// RUN: autoshard-opt %s --split-input-file --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify)' > /dev/null

// A split contraction (k on axis 0) leaves partial sums: one all_reduce.
// The init is a fill of 0, the sum's identity: no mask.
// CHECK-LABEL: func.func @matmul_split_k
// CHECK-SAME: %arg0: tensor<8x4xf32>{{.*}}%arg1: tensor<4x12xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<8x12xf32>)
// CHECK-NOT: arith.select
// CHECK: %[[M:.*]] = linalg.matmul ins(%arg0, %arg1 : tensor<8x4xf32>, tensor<4x12xf32>) outs(%[[F]] : tensor<8x12xf32>)
// CHECK: shard.all_reduce %[[M]] on @g grid_axes = [0] : tensor<8x12xf32> -> tensor<8x12xf32>
shard.grid @g(shape = 4)
func.func @matmul_split_k(%a: tensor<8x16xf32>, %b: tensor<16x12xf32>) -> tensor<8x12xf32> {
  %sa = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %sb = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %sr = shard.sharding @g split_axes = [[]] : !shard.sharding
  %as = shard.shard %a to %sa : tensor<8x16xf32>
  %bs = shard.shard %b to %sb : tensor<16x12xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x12xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x12xf32>) -> tensor<8x12xf32>
  %m = linalg.matmul ins(%as, %bs : tensor<8x16xf32>, tensor<16x12xf32>) outs(%f : tensor<8x12xf32>) -> tensor<8x12xf32>
  %r = shard.shard %m to %sr annotate_for_users : tensor<8x12xf32>
  return %r : tensor<8x12xf32>
}

// -----

// A fill of 1.5 as the init of a split contraction: only the devices at
// coordinate 0 of the reduced axis start from it, the others from 0.
// CHECK-LABEL: func.func @matmul_init_once
// CHECK: %[[I:.*]] = shard.process_multi_index on @g axes = [1] : index
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[I]], %{{.*}} : index
// CHECK: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<4x12xf32>
// CHECK: %[[INIT:.*]] = arith.select %[[FIRST]], %{{.*}}, %[[Z]] : tensor<4x12xf32>
// CHECK: %[[M:.*]] = linalg.matmul ins(%arg0, %arg1 : tensor<4x8xf32>, tensor<8x12xf32>) outs(%[[INIT]] : tensor<4x12xf32>)
// CHECK: shard.all_reduce %[[M]] on @g grid_axes = [1] : tensor<4x12xf32> -> tensor<4x12xf32>
shard.grid @g(shape = 2x2)
func.func @matmul_init_once(%a: tensor<8x16xf32>, %b: tensor<16x12xf32>) -> tensor<8x12xf32> {
  %sa = shard.sharding @g split_axes = [[0], [1]] : !shard.sharding
  %sb = shard.sharding @g split_axes = [[1]] : !shard.sharding
  %sr = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %as = shard.shard %a to %sa : tensor<8x16xf32>
  %bs = shard.shard %b to %sb : tensor<16x12xf32>
  %one = arith.constant 1.5 : f32
  %e = tensor.empty() : tensor<8x12xf32>
  %f = linalg.fill ins(%one : f32) outs(%e : tensor<8x12xf32>) -> tensor<8x12xf32>
  %m = linalg.matmul ins(%as, %bs : tensor<8x16xf32>, tensor<16x12xf32>) outs(%f : tensor<8x12xf32>) -> tensor<8x12xf32>
  %r = shard.shard %m to %sr annotate_for_users : tensor<8x12xf32>
  return %r : tensor<8x12xf32>
}

// -----

// An elementwise generic with a broadcast bias, split by rows: the region is
// copied, the operands and the init are local, no communication.
// CHECK-LABEL: func.func @generic_bias_relu
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x16xf32>
// CHECK: linalg.generic {{.*}} ins(%arg0, %arg1 : tensor<2x16xf32>, tensor<16xf32>) outs(%[[E]] : tensor<2x16xf32>)
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK-NOT: shard.all
// CHECK: return
#map = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
shard.grid @g(shape = 4)
func.func @generic_bias_relu(%x: tensor<8x16xf32>, %bias: tensor<16xf32>) -> tensor<8x16xf32> {
  %s = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<8x16xf32>
  %e = tensor.empty() : tensor<8x16xf32>
  %y = linalg.generic {indexing_maps = [#map, #row, #map], iterator_types = ["parallel", "parallel"]}
      ins(%xs, %bias : tensor<8x16xf32>, tensor<16xf32>) outs(%e : tensor<8x16xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %sum = arith.addf %in, %b : f32
    %relu = arith.maximumf %sum, %zero : f32
    linalg.yield %relu : f32
  } -> tensor<8x16xf32>
  %r = shard.shard %y to %s : tensor<8x16xf32>
  return %r : tensor<8x16xf32>
}

// -----

// linalg.reduce with maximumf, split along the reduced dimension: max
// partials, one all_reduce max; the -inf init needs no mask (max is
// idempotent).
// CHECK-LABEL: func.func @reduce_max
// CHECK-NOT: arith.select
// CHECK: %[[R:.*]] = linalg.reduce ins(%arg0 : tensor<8x4xf32>) outs(%{{.*}} : tensor<8xf32>) dimensions = [1]
// CHECK: arith.maximumf
// CHECK: shard.all_reduce %[[R]] on @g grid_axes = [0] reduction = max : tensor<8xf32> -> tensor<8xf32>
shard.grid @g(shape = 4)
func.func @reduce_max(%x: tensor<8x16xf32>) -> tensor<8xf32> {
  %s = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %sr = shard.sharding @g split_axes = [[]] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<8x16xf32>
  %lowest = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<8xf32>
  %f = linalg.fill ins(%lowest : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %m = linalg.reduce ins(%xs : tensor<8x16xf32>) outs(%f : tensor<8xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %0 = arith.maximumf %in, %acc : f32
      linalg.yield %0 : f32
    }
  %r = shard.shard %m to %sr annotate_for_users : tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// A sum into an init passed by the caller: added on device 0 only.
// CHECK-LABEL: func.func @reduce_sum_arg_init
// CHECK: %[[FIRST:.*]] = arith.cmpi eq
// CHECK: %[[INIT:.*]] = arith.select %[[FIRST]], %arg1, %{{.*}} : tensor<8xf32>
// CHECK: %[[R:.*]] = linalg.reduce ins(%arg0 : tensor<8x4xf32>) outs(%[[INIT]] : tensor<8xf32>) dimensions = [1]
// CHECK: shard.all_reduce %[[R]] on @g grid_axes = [0] : tensor<8xf32> -> tensor<8xf32>
shard.grid @g(shape = 4)
func.func @reduce_sum_arg_init(%x: tensor<8x16xf32>, %init: tensor<8xf32>) -> tensor<8xf32> {
  %s = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %sr = shard.sharding @g split_axes = [[]] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<8x16xf32>
  %m = linalg.reduce ins(%xs : tensor<8x16xf32>) outs(%init : tensor<8xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %0 = arith.addf %in, %acc : f32
      linalg.yield %0 : f32
    }
  %r = shard.shard %m to %sr annotate_for_users : tensor<8xf32>
  return %r : tensor<8xf32>
}
// -----

// What tosa-to-linalg makes of a padded conv2d with a bias: tensor.pad (its
// region yields a constant captured from the function), a broadcast of the
// bias as the init, linalg.conv_2d_nhwc_fhwc.  Split on input channels (a
// sum reduction; the window loops are read in d1 + d4 and never split):
// the pad keeps its region, the bias init is added on device 0 only.
// CHECK-LABEL: func.func @conv_input_channels
// CHECK: %[[CST:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[P:.*]] = tensor.pad %arg0 low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: tensor.yield %[[CST]] : f32
// CHECK: } : tensor<1x8x8x2xf32> to tensor<1x10x10x2xf32>
// CHECK: %[[FIRST:.*]] = arith.cmpi eq
// CHECK: %[[INIT:.*]] = arith.select %[[FIRST]], %{{.*}}, %{{.*}} : tensor<1x8x8x4xf32>
// CHECK: %[[C:.*]] = linalg.conv_2d_nhwc_fhwc {{.*}} ins(%[[P]], %arg1 : tensor<1x10x10x2xf32>, tensor<4x3x3x2xf32>) outs(%[[INIT]] : tensor<1x8x8x4xf32>)
// CHECK: shard.all_reduce %[[C]] on @g grid_axes = [0] : tensor<1x8x8x4xf32> -> tensor<1x8x8x4xf32>
#bias = affine_map<(d0, d1, d2, d3) -> (d3)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
shard.grid @g(shape = 4)
func.func @conv_input_channels(%x: tensor<1x8x8x8xf32>, %w: tensor<4x3x3x8xf32>, %b: tensor<4xf32>) -> tensor<1x8x8x4xf32> {
  %sc = shard.sharding @g split_axes = [[], [], [], [0]] : !shard.sharding
  %sr = shard.sharding @g split_axes = [[]] : !shard.sharding
  %xs = shard.shard %x to %sc : tensor<1x8x8x8xf32>
  %ws = shard.shard %w to %sc : tensor<4x3x3x8xf32>
  %cst = arith.constant 0.0 : f32
  %padded = tensor.pad %xs low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %cst : f32
  } : tensor<1x8x8x8xf32> to tensor<1x10x10x8xf32>
  %e = tensor.empty() : tensor<1x8x8x4xf32>
  %init = linalg.generic {indexing_maps = [#bias, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<4xf32>) outs(%e : tensor<1x8x8x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x8x8x4xf32>
  %c = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%padded, %ws : tensor<1x10x10x8xf32>, tensor<4x3x3x8xf32>) outs(%init : tensor<1x8x8x4xf32>) -> tensor<1x8x8x4xf32>
  %r = shard.shard %c to %sr annotate_for_users : tensor<1x8x8x4xf32>
  return %r : tensor<1x8x8x4xf32>
}
