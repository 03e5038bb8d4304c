// Slice, pad, concat, tile, reverse and gather partitioned.  Along a
// dimension the op does not move data, the op runs on local blocks; along
// the one it moves data along, each device takes its block of the result
// at an offset from its grid position (shard.process_multi_index, arith,
// tensor.extract_slice).
// RUN: autoshard-opt %s --split-input-file --autoshard-partition | FileCheck %s
// RUN: autoshard-opt %s --split-input-file --autoshard-partition | mlir-opt --split-input-file > /dev/null
// RUN: autoshard-opt %s --split-input-file --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify)' > /dev/null

// The sliced dimension split: rows 2 + 2p .. 2 + 2p + 2 of the whole input.
// CHECK-LABEL: func.func @slice_rows
// CHECK: %[[I:.*]] = shard.process_multi_index on @g axes = [0] : index
// CHECK: %[[OFF:.*]] = arith.muli %[[I]], %{{.*}} : index
// CHECK: %[[START:.*]] = arith.addi %[[OFF]], %{{.*}} : index
// CHECK: tensor.extract_slice %arg0[%[[START]], 0] [2, 16] [1, 1] : tensor<8x16xf32> to tensor<2x16xf32>
shard.grid @g(shape = 2)
func.func @slice_rows(%x: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %s = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %st = tosa.const_shape {values = dense<[2, 0]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %sz = tosa.const_shape {values = dense<[4, 16]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.slice %x, %st, %sz : (tensor<8x16xf32>, !tosa.shape<2>, !tosa.shape<2>) -> tensor<4x16xf32>
  %r = shard.shard %y to %s : tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// A dimension the slice keeps whole stays split: a local tosa.slice.
// CHECK-LABEL: func.func @slice_columns_local
// CHECK-SAME: %arg0: tensor<8x4xf32>
// CHECK: tosa.slice %arg0, {{.*}} : (tensor<8x4xf32>, !tosa.shape<2>, !tosa.shape<2>) -> tensor<4x4xf32>
shard.grid @g(shape = 4)
func.func @slice_columns_local(%x: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %s = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<8x16xf32>
  %st = tosa.const_shape {values = dense<[2, 0]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %sz = tosa.const_shape {values = dense<[4, 16]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.slice %xs, %st, %sz : (tensor<8x16xf32>, !tosa.shape<2>, !tosa.shape<2>) -> tensor<4x16xf32>
  %r = shard.shard %y to %s : tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// Block p of reverse(x) is reverse(block n-1-p of x).
// CHECK-LABEL: func.func @reverse_rows
// CHECK: %[[I:.*]] = shard.process_multi_index on @g axes = [0] : index
// CHECK: %[[Q:.*]] = arith.subi %{{.*}}, %[[I]] : index
// CHECK: %[[OFF:.*]] = arith.muli %[[Q]], %{{.*}} : index
// CHECK: %[[B:.*]] = tensor.extract_slice %arg0[%[[OFF]], 0] [2, 4] [1, 1]
// CHECK: tosa.reverse %[[B]] {axis = 0 : i32} : (tensor<2x4xf32>) -> tensor<2x4xf32>
shard.grid @g(shape = 4)
func.func @reverse_rows(%x: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %s = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %y = tosa.reverse %x {axis = 0 : i32} : (tensor<8x4xf32>) -> tensor<8x4xf32>
  %r = shard.shard %y to %s : tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}

// -----

// Tiling 4 copies over 2 devices: 2 whole copies each, no offsets.
// CHECK-LABEL: func.func @tile_copies
// CHECK: %[[M:.*]] = tosa.const_shape {values = dense<[2, 1]> : tensor<2xindex>}
// CHECK: tosa.tile %arg0, %[[M]] : (tensor<2x4xf32>, !tosa.shape<2>) -> tensor<4x4xf32>
shard.grid @g(shape = 2)
func.func @tile_copies(%x: tensor<2x4xf32>) -> tensor<8x4xf32> {
  %s = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %m = tosa.const_shape {values = dense<[4, 1]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %y = tosa.tile %x, %m : (tensor<2x4xf32>, !tosa.shape<2>) -> tensor<8x4xf32>
  %r = shard.shard %y to %s : tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}

// -----

// Concat along a split dimension: the whole concat, then the device's block.
// CHECK-LABEL: func.func @concat_columns
// CHECK: %[[C:.*]] = tosa.concat %arg0, %arg1 {axis = 1 : i32} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x16xf32>
// CHECK: tensor.extract_slice %[[C]][0, %{{.*}}] [4, 4] [1, 1] : tensor<4x16xf32> to tensor<4x4xf32>
shard.grid @g(shape = 2x2)
func.func @concat_columns(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x16xf32> {
  %s = shard.sharding @g split_axes = [[], [1, 0]] : !shard.sharding
  %y = tosa.concat %a, %b {axis = 1 : i32} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x16xf32>
  %r = shard.shard %y to %s : tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}

// -----

// Pad along a split dimension, the pad value kept.
// CHECK-LABEL: func.func @pad_rows
// CHECK: %[[P:.*]] = tosa.pad %arg0, {{.*}} -> tensor<8x4xf32>
// CHECK: tensor.extract_slice %[[P]][%{{.*}}, 0] [4, 4] [1, 1]
shard.grid @g(shape = 2)
func.func @pad_rows(%x: tensor<6x4xf32>) -> tensor<8x4xf32> {
  %s = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %pd = tosa.const_shape {values = dense<[1, 1, 0, 0]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %pc = "tosa.const"() <{values = dense<7.5> : tensor<1xf32>}> : () -> tensor<1xf32>
  %y = tosa.pad %x, %pd, %pc : (tensor<6x4xf32>, !tosa.shape<4>, tensor<1xf32>) -> tensor<8x4xf32>
  %r = shard.shard %y to %s : tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}

// -----

// An embedding lookup split on the channels: the table and the result by
// columns, the indices whole.
// CHECK-LABEL: func.func @gather_channels
// CHECK-SAME: %arg0: tensor<1x50x8xf32>
// CHECK: tosa.gather %arg0, %arg1 : (tensor<1x50x8xf32>, tensor<1x6xi32>) -> tensor<1x6x8xf32>
shard.grid @g(shape = 4)
func.func @gather_channels(%t: tensor<1x50x32xf32>, %i: tensor<1x6xi32>) -> tensor<1x6x32xf32> {
  %s = shard.sharding @g split_axes = [[], [], [0]] : !shard.sharding
  %ts = shard.shard %t to %s : tensor<1x50x32xf32>
  %y = tosa.gather %ts, %i : (tensor<1x50x32xf32>, tensor<1x6xi32>) -> tensor<1x6x32xf32>
  %r = shard.shard %y to %s : tensor<1x6x32xf32>
  return %r : tensor<1x6x32xf32>
}
