// Parse-and-print round trip of a shard + tosa module: same text as
// upstream mlir-opt, stable when fed back, byte-identical across runs.
// RUN: autoshard-opt %s | FileCheck %s
// RUN: autoshard-opt %s > %t.ours
// RUN: mlir-opt %s > %t.upstream
// RUN: diff %t.ours %t.upstream
// RUN: autoshard-opt %t.ours | diff %t.ours -
// RUN: autoshard-opt %s | diff %t.ours -
// Standard input, and -o to a file.
// RUN: autoshard-opt < %s | diff %t.ours -
// RUN: autoshard-opt - -o %t.file < %s
// RUN: diff %t.ours %t.file

// CHECK-LABEL: module {
// CHECK-NEXT:    shard.grid @grid(shape = 2x4)
// CHECK-LABEL:   func.func @mlp(
// CHECK-SAME:      %[[X:.*]]: tensor<8x16xf32>, %[[W:.*]]: tensor<1x16x32xf32>
// CHECK:           %[[S:.*]] = shard.sharding @grid split_axes = {{\[\[}}0]] : !shard.sharding
// CHECK-NEXT:      %[[XS:.*]] = shard.shard %[[X]] to %[[S]] : tensor<8x16xf32>
// CHECK:           tosa.matmul
// CHECK:           tosa.add
// CHECK:           return %{{.*}} : tensor<1x8x32xf32>
shard.grid @grid(shape = 2x4)
func.func @mlp(%x: tensor<8x16xf32>, %w: tensor<1x16x32xf32>, %b: tensor<1x8x32xf32>) -> tensor<1x8x32xf32> {
  %s = shard.sharding @grid split_axes = [[0]] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<8x16xf32>
  %shape = tosa.const_shape {values = dense<[1, 8, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %x3 = tosa.reshape %xs, %shape : (tensor<8x16xf32>, !tosa.shape<3>) -> tensor<1x8x16xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %mm = tosa.matmul %x3, %w, %zp, %zp : (tensor<1x8x16xf32>, tensor<1x16x32xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x32xf32>
  %y = tosa.add %mm, %b : (tensor<1x8x32xf32>, tensor<1x8x32xf32>) -> tensor<1x8x32xf32>
  return %y : tensor<1x8x32xf32>
}
