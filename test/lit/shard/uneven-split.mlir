// A dimension of 10 on a grid axis of 4: planned as a balanced uneven split
// (3, 3, 2, 2 rows) when that is cheapest, annotated with upstream's
// sharded_dims_offsets, partitioned with dynamic local sizes (as upstream's
// partition types uneven blocks), and verified.  Where the dimension divides
// the axis, the even split wins.
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-partition,autoshard-verify)' --plan-report -o %t.mlir 2> %t.report
// RUN: FileCheck %s --input-file=%t.mlir
// RUN: FileCheck %s --input-file=%t.report --check-prefix=VERIFY
// RUN: mlir-opt %t.mlir > /dev/null

// The SPMD functions: the uneven block has a dynamic size, no collective.
// CHECK-LABEL: func.func @m10(
// CHECK-SAME: tensor<1x?x5xf32>
// CHECK: tosa.matmul {{.*}} -> tensor<1x?x5xf32>
// CHECK: tosa.tanh {{.*}} -> tensor<1x?x5xf32>
// CHECK-NOT: shard.all_
// CHECK: return {{.*}} : tensor<1x?x5xf32>
// The plan, as autoshard annotated it (kept with the original function).
// CHECK-LABEL: func.func private @autoshard.original.m10(
// CHECK: shard.sharding @grid split_axes = {{\[\[}}], [0]] sharded_dims_offsets = [0, 3, 6, 8, 10]
// CHECK-LABEL: func.func @m8(
// CHECK-SAME: tensor<1x2x5xf32>
// CHECK: tosa.matmul {{.*}} -> tensor<1x2x5xf32>
// CHECK-LABEL: func.func private @autoshard.original.m8(
// CHECK-NOT: sharded_dims_offsets
// CHECK: shard.sharding @grid split_axes = {{\[\[}}], [0]] : !shard.sharding
// CHECK-NOT: sharded_dims_offsets
// CHECK: return

// VERIFY: autoshard plan for @m10 on grid @grid (4)
// VERIFY: tosa.matmul {{.*}} m:[0] (uneven)
// VERIFY: autoshard plan for @m8 on grid @grid (4)
// VERIFY: tosa.matmul {{.*}} m:[0]{{ +\[\[}}], [0]]
// VERIFY: autoshard-verify @m10: 1 result and 3 intermediate values match on grid 4 (4 devices)
// VERIFY: autoshard-verify @m8: 1 result and 3 intermediate values match on grid 4 (4 devices)

func.func @m10(%a: tensor<1x10x5xf32>, %b: tensor<1x5x5xf32>) -> tensor<1x10x5xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.matmul %a, %b, %z, %z : (tensor<1x10x5xf32>, tensor<1x5x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x10x5xf32>
  %1 = tosa.tanh %0 : (tensor<1x10x5xf32>) -> tensor<1x10x5xf32>
  return %1 : tensor<1x10x5xf32>
}

func.func @m8(%a: tensor<1x8x5xf32>, %b: tensor<1x5x5xf32>) -> tensor<1x8x5xf32> {
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %0 = tosa.matmul %a, %b, %z, %z : (tensor<1x8x5xf32>, tensor<1x5x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x5xf32>
  %1 = tosa.tanh %0 : (tensor<1x8x5xf32>) -> tensor<1x8x5xf32>
  return %1 : tensor<1x8x5xf32>
}
