// Convolutions and pooling partitioned: a spatial split pads the device's
// rows with its halo, fills it from the neighbours (shard.update_halo) and
// runs with no padding on that dimension; an input-channel split leaves a
// partial sum and adds the bias on the first device of the reduced axes
// only; a channel split of a depthwise conv splits its output channels.
// RUN: autoshard-opt %s --split-input-file --autoshard-partition | FileCheck %s
// RUN: autoshard-opt %s --split-input-file --autoshard-partition | mlir-opt --split-input-file > /dev/null
// RUN: autoshard-opt %s --split-input-file --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify)' > /dev/null

// CHECK-LABEL: func.func @conv_rows
// CHECK-SAME: %arg0: tensor<1x2x8x4xf32>
// CHECK: %[[P:.*]] = tosa.pad %arg0, {{.*}} -> tensor<1x4x8x4xf32>
// CHECK: %[[H:.*]] = shard.update_halo %[[P]] on @g split_axes = {{\[\[}}], [0]] halo_sizes = [1, 1] : tensor<1x4x8x4xf32>
// CHECK: tosa.conv2d %[[H]], {{.*}}pad = array<i64: 0, 0, 1, 1>{{.*}} -> tensor<1x2x8x4xf32>
shard.grid @g(shape = 4)
func.func @conv_rows(%x: tensor<1x8x8x4xf32>, %w: tensor<4x3x3x4xf32>, %b: tensor<4xf32>) -> tensor<1x8x8x4xf32> {
  %s = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %xs = shard.shard %x to %s : tensor<1x8x8x4xf32>
  %c = tosa.conv2d %xs, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x4xf32>, tensor<4x3x3x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x4xf32>
  %r = shard.shard %c to %s : tensor<1x8x8x4xf32>
  return %r : tensor<1x8x8x4xf32>
}

// -----

// CHECK-LABEL: func.func @conv_input_channels
// CHECK: %[[I:.*]] = shard.process_multi_index on @g axes = [1] : index
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[I]]
// CHECK: %[[M:.*]] = tensor.from_elements %[[FIRST]] : tensor<1xi1>
// CHECK: %[[B:.*]] = tosa.select %[[M]], %arg2, {{.*}} : (tensor<1xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK: %[[C:.*]] = tosa.conv2d %arg0, %arg1, %[[B]]
// CHECK: shard.all_reduce %[[C]] on @g grid_axes = [1]
shard.grid @g(shape = 2x2)
func.func @conv_input_channels(%x: tensor<2x4x4x8xf32>, %w: tensor<4x1x1x8xf32>, %b: tensor<4xf32>) -> tensor<2x4x4x4xf32> {
  %sx = shard.sharding @g split_axes = [[0], [], [], [1]] : !shard.sharding
  %sw = shard.sharding @g split_axes = [[], [], [], [1]] : !shard.sharding
  %sr = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %xs = shard.shard %x to %sx : tensor<2x4x4x8xf32>
  %ws = shard.shard %w to %sw : tensor<4x1x1x8xf32>
  %c = tosa.conv2d %xs, %ws, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x4x4x8xf32>, tensor<4x1x1x8xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x4x4xf32>
  %r = shard.shard %c to %sr : tensor<2x4x4x4xf32>
  return %r : tensor<2x4x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @depthwise_channels
// CHECK: tosa.depthwise_conv2d {{.*}} : (tensor<1x8x8x2xf32>, tensor<3x3x2x2xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x4xf32>
shard.grid @g(shape = 2)
func.func @depthwise_channels(%x: tensor<1x8x8x4xf32>, %w: tensor<3x3x4x2xf32>, %b: tensor<8xf32>) -> tensor<1x8x8x8xf32> {
  %s = shard.sharding @g split_axes = [[], [], [], [0]] : !shard.sharding
  %sw = shard.sharding @g split_axes = [[], [], [0]] : !shard.sharding
  %sb = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %xs = shard.shard %x to %s : tensor<1x8x8x4xf32>
  %ws = shard.shard %w to %sw : tensor<3x3x4x2xf32>
  %bs = shard.shard %b to %sb : tensor<8xf32>
  %c = tosa.depthwise_conv2d %xs, %ws, %bs, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x4xf32>, tensor<3x3x4x2xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x8xf32>
  %r = shard.shard %c to %s : tensor<1x8x8x8xf32>
  return %r : tensor<1x8x8x8xf32>
}

// -----

// Max pooling pads its halo with -inf, which the window never picks.
// CHECK-LABEL: func.func @max_pool_rows
// CHECK: %[[NEG:.*]] = "tosa.const"() <{values = dense<0xFF800000> : tensor<1xf32>}>
// CHECK: %[[P:.*]] = tosa.pad %arg0, {{.*}}, %[[NEG]] : {{.*}} -> tensor<1x5x8x4xf32>
// CHECK: %[[H:.*]] = shard.update_halo %[[P]] on @g split_axes = {{\[\[}}], [0]] halo_sizes = [1, 0]
// CHECK: tosa.max_pool2d %[[H]] {{.*}}pad = array<i64: 0, 0, 1, 0>{{.*}} -> tensor<1x2x4x4xf32>
shard.grid @g(shape = 2)
func.func @max_pool_rows(%x: tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32> {
  %s = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<1x8x8x4xf32>
  %p = tosa.max_pool2d %xs {kernel = array<i64: 3, 3>, pad = array<i64: 1, 0, 1, 0>, stride = array<i64: 2, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32>
  %r = shard.shard %p to %s : tensor<1x4x4x4xf32>
  return %r : tensor<1x4x4x4xf32>
}

// -----

// A 'valid' conv (8 -> 6 rows) has no uniform halo: the rows are gathered.
// CHECK-LABEL: func.func @conv_valid_rows_gathered
// CHECK: %[[G:.*]] = shard.all_gather %arg0 on @g grid_axes = [0] gather_axis = 1
// CHECK: tosa.conv2d %[[G]]
shard.grid @g(shape = 2)
func.func @conv_valid_rows_gathered(%x: tensor<1x8x8x4xf32>, %w: tensor<4x3x3x4xf32>, %b: tensor<4xf32>) -> tensor<1x6x6x4xf32> {
  %s = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %xs = shard.shard %x to %s : tensor<1x8x8x4xf32>
  %c = tosa.conv2d %xs, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x8x8x4xf32>, tensor<4x3x3x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x6x6x4xf32>
  return %c : tensor<1x6x6x4xf32>
}
