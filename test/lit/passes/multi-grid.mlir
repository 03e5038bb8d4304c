// Several grids in one module: each function is planned, partitioned and
// verified on the grid its shardings name.
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard,autoshard-partition,autoshard-verify)' --plan-report 2>&1 | FileCheck %s
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard-partition)' | mlir-opt > /dev/null

// CHECK: autoshard plan for @on_a on grid @a (2)
// CHECK: autoshard plan for @on_b on grid @b (2x2)
// CHECK: autoshard-verify @on_a: 1 result and 1 intermediate value match on grid 2 (2 devices)
// CHECK: autoshard-verify @on_b: 1 result and 1 intermediate value match on grid 2x2 (4 devices)
shard.grid @a(shape = 2)
shard.grid @b(shape = 2x2)
func.func @on_a(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %s = shard.sharding @a split_axes = [[0]] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<8x8xf32>
  %t = tosa.tanh %xs : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return %t : tensor<8x8xf32>
}
func.func @on_b(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %s = shard.sharding @b split_axes = [[0], [1]] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<8x8xf32>
  %t = tosa.exp %xs : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return %t : tensor<8x8xf32>
}
