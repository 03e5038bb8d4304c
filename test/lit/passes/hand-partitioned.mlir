// A program that is already SPMD code (collectives, device queries,
// send/recv) is accepted: autoshard-partition leaves those ops as they are,
// and autoshard-verify runs the kept original on the grid too, every device
// with its own random inputs, and compares device by device.
// RUN: autoshard-opt %s --split-input-file --pass-pipeline='builtin.module(autoshard-partition)' | FileCheck %s
// RUN: autoshard-opt %s --split-input-file --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify)' --plan-report -o %t.mlir 2>&1 | FileCheck %s --check-prefix=VERIFY

shard.grid @g(shape = 2x2)

// CHECK-LABEL: func.func @ring_step(
// CHECK: shard.process_multi_index on @g axes = [1] : index
// CHECK: shard.send %arg0 on @g grid_axes = [1] destination = [%{{.*}}]
// CHECK: shard.recv %arg0 on @g grid_axes = [1] source = [%{{.*}}]
// CHECK: shard.all_reduce {{.*}} on @g grid_axes = [0, 1]
// VERIFY: autoshard-verify @ring_step: 1 result matches on grid 2x2 (4 devices), device by device (the input was SPMD code)
func.func @ring_step(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // Swap with the other device of the axis-1 pair.
  %i = shard.process_multi_index on @g axes = [1] : index
  %c1 = arith.constant 1 : index
  %other = arith.subi %c1, %i : index
  %s = shard.send %x on @g grid_axes = [1] destination = [%other] : (tensor<4x8xf32>, index) -> tensor<4x8xf32>
  %r = shard.recv %x on @g grid_axes = [1] source = [%other] : (tensor<4x8xf32>, index) -> tensor<4x8xf32>
  %sum = arith.addf %r, %s : tensor<4x8xf32>
  %c0 = arith.constant 0 : index
  %first = arith.cmpi eq, %i, %c0 : index
  %pick = arith.select %first, %x, %sum : tensor<4x8xf32>
  %all = shard.all_reduce %pick on @g grid_axes = [0, 1] : tensor<4x8xf32> -> tensor<4x8xf32>
  return %all : tensor<4x8xf32>
}

// -----

// Composes with annotations: the hand-written all_gather runs on the
// replicated value the annotation's all_slice came back from.
shard.grid @g(shape = 2)
// CHECK-LABEL: func.func @gather_then_annotate(
// CHECK: shard.all_gather %arg0 on @g grid_axes = [0] gather_axis = 0 : tensor<4x8xf32> -> tensor<8x8xf32>
// CHECK: shard.all_slice {{.*}} on @g grid_axes = [0] slice_axis = 1 : tensor<8x8xf32> -> tensor<8x4xf32>
// VERIFY: autoshard-verify @gather_then_annotate: 1 result matches on grid 2 (2 devices), device by device (the input was SPMD code)
func.func @gather_then_annotate(%x: tensor<4x8xf32>) -> tensor<8x8xf32> {
  %g = shard.all_gather %x on @g grid_axes = [0] gather_axis = 0 : tensor<4x8xf32> -> tensor<8x8xf32>
  %s = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %gs = shard.shard %g to %s : tensor<8x8xf32>
  %e = tosa.exp %gs : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return %e : tensor<8x8xf32>
}
