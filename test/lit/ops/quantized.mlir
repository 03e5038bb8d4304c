// int8 TFLite ops: a per-channel rescale splits its multiplier and shift
// with the channels; a table lookup keeps the whole table on every device.
// Integer programs are compared exactly by autoshard-verify.
// RUN: autoshard-opt %s --split-input-file --autoshard-partition | FileCheck %s
// RUN: autoshard-opt %s --split-input-file --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify)' --plan-report 2>&1 | FileCheck %s --check-prefix=VERIFY

// CHECK-LABEL: func.func @rescale_channels
// CHECK: %[[MU:.*]] = shard.all_slice %{{.*}} on @g grid_axes = [0] slice_axis = 0 : tensor<8xi32> -> tensor<4xi32>
// CHECK: %[[SH:.*]] = shard.all_slice %{{.*}} on @g grid_axes = [0] slice_axis = 0 : tensor<8xi8> -> tensor<4xi8>
// CHECK: tosa.rescale %arg0, %[[MU]], %[[SH]], {{.*}} : (tensor<2x4x4xi8>, tensor<4xi32>, tensor<4xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<2x4x4xi8>
// VERIFY: autoshard-verify @rescale_channels: 1 result and {{[0-9]+}} intermediate value{{s?}} match on grid 2
// VERIFY-SAME: integer value{{s?}} equal exactly
shard.grid @g(shape = 2)
func.func @rescale_channels(%x: tensor<2x4x8xi8>) -> tensor<2x4x8xi8> {
  %s = shard.sharding @g split_axes = [[], [], [0]] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<2x4x8xi8>
  %mu = "tosa.const"() <{values = dense<[1073741824, 1500000000, 1200000000, 1900000000, 1073741824, 1300000000, 2000000000, 1100000000]> : tensor<8xi32>}> : () -> tensor<8xi32>
  %sh = "tosa.const"() <{values = dense<[30, 31, 32, 33, 34, 35, 36, 37]> : tensor<8xi8>}> : () -> tensor<8xi8>
  %iz = "tosa.const"() <{values = dense<-3> : tensor<1xi8>}> : () -> tensor<1xi8>
  %oz = "tosa.const"() <{values = dense<5> : tensor<1xi8>}> : () -> tensor<1xi8>
  %y = tosa.rescale %xs, %mu, %sh, %iz, %oz {input_unsigned = false, output_unsigned = false, per_channel = true, rounding_mode = DOUBLE_ROUND, scale32 = true} : (tensor<2x4x8xi8>, tensor<8xi32>, tensor<8xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<2x4x8xi8>
  %r = shard.shard %y to %s : tensor<2x4x8xi8>
  return %r : tensor<2x4x8xi8>
}

// -----

// CHECK-LABEL: func.func @table_rows
// CHECK: tosa.table %arg0, %{{.*}} : (tensor<2x8xi8>, tensor<256xi8>) -> tensor<2x8xi8>
// VERIFY: autoshard-verify @table_rows: 1 result
shard.grid @g(shape = 2)
func.func @table_rows(%x: tensor<4x8xi8>) -> tensor<4x8xi8> {
  %s = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<4x8xi8>
  %t = "tosa.const"() <{values = dense_resource<__elided__> : tensor<256xi8>}> : () -> tensor<256xi8>
  %y = tosa.table %xs, %t : (tensor<4x8xi8>, tensor<256xi8>) -> tensor<4x8xi8>
  %r = shard.shard %y to %s : tensor<4x8xi8>
  return %r : tensor<4x8xi8>
}
