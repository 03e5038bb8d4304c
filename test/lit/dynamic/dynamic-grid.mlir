// A grid with a dynamic axis (4x?x2): dimensions split over it get dynamic
// local sizes (the shard ops' own result types), and a `tensor.cast` gives
// back what the layout knows; autoshard-verify runs it at grid-sizes.
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard-partition)' | FileCheck %s
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify)' --plan-report -o %t.mlir 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify{grid-sizes=6})' --plan-report -o %t.mlir 2>&1 | FileCheck %s --check-prefix=SIX
// The planner plans a dynamic grid at the sizes grid=... gives; the program
// keeps the run-time sizes (planned for 2, simulated at 3).
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard{grid=4x2x2},autoshard-partition,autoshard-verify{grid-sizes=3})' --plan-report -o %t.mlir 2>&1 | FileCheck %s --check-prefix=PLANNED
// PLANNED: autoshard plan for @move_split on grid @g (4x2x2)
// PLANNED: autoshard-verify @move_split: {{.*}} on grid 4x3x2 (24 devices) (@g of shape 4x?x2, dynamic axes at 3)

shard.grid @g(shape = 4x?x2)

// CHECK-LABEL: func.func @move_split(
// CHECK-SAME: %arg0: tensor<?x12xf32> {autoshard.global_type = tensor<12x12xf32>
// CHECK: %[[A2A:.*]] = shard.all_to_all %arg0 on @g grid_axes = [1] split_axis = 1 concat_axis = 0 : tensor<?x12xf32> -> tensor<?x?xf32>
// CHECK: %[[CAST:.*]] = tensor.cast %[[A2A]] : tensor<?x?xf32> to tensor<12x?xf32>
// CHECK: %[[T:.*]] = tosa.tanh %[[CAST]] : (tensor<12x?xf32>) -> tensor<12x?xf32>
// CHECK: %[[G:.*]] = shard.all_gather %[[T]] on @g grid_axes = [1] gather_axis = 1 : tensor<12x?xf32> -> tensor<12x?xf32>
// CHECK: tensor.cast %[[G]] : tensor<12x?xf32> to tensor<12x12xf32>
// REPORT: autoshard-verify @move_split: 1 result and 1 intermediate value match on grid 4x2x2 (16 devices) (@g of shape 4x?x2, dynamic axes at 2)
// SIX: autoshard-verify @move_split: {{.*}} on grid 4x6x2 (48 devices) (@g of shape 4x?x2, dynamic axes at 6)
func.func @move_split(%x: tensor<12x12xf32>) -> tensor<12x12xf32> {
  %s0 = shard.sharding @g split_axes = [[1]] : !shard.sharding
  %x0 = shard.shard %x to %s0 : tensor<12x12xf32>
  %s1 = shard.sharding @g split_axes = [[], [1]] : !shard.sharding
  %x1 = shard.shard %x0 to %s1 annotate_for_users : tensor<12x12xf32>
  %t = tosa.tanh %x1 : (tensor<12x12xf32>) -> tensor<12x12xf32>
  %r = shard.sharding @g split_axes = [[]] : !shard.sharding
  %tr = shard.shard %t to %r annotate_for_users : tensor<12x12xf32>
  return %tr : tensor<12x12xf32>
}

// A matmul whose contraction is split over the static and the dynamic axis:
// a partial sum over both, reduced by one all_reduce.
// CHECK-LABEL: func.func @matmul_k(
// CHECK: tosa.matmul {{.*}} : (tensor<1x4x?xf32>, tensor<1x?x6xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x6xf32>
// CHECK: shard.all_reduce {{.*}} on @g grid_axes = [0, 1] : tensor<1x4x6xf32> -> tensor<1x4x6xf32>
// REPORT: autoshard-verify @matmul_k: 1 result and 1 intermediate value match on grid 4x2x2
func.func @matmul_k(%a: tensor<1x4x24xf32>, %b: tensor<1x24x6xf32>, %z: tensor<1xf32>) -> tensor<1x4x6xf32> {
  %k = shard.sharding @g split_axes = [[], [], [0, 1]] : !shard.sharding
  %a0 = shard.shard %a to %k : tensor<1x4x24xf32>
  %kb = shard.sharding @g split_axes = [[], [0, 1]] : !shard.sharding
  %b0 = shard.shard %b to %kb : tensor<1x24x6xf32>
  %m = tosa.matmul %a0, %b0, %z, %z : (tensor<1x4x24xf32>, tensor<1x24x6xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x6xf32>
  %r = shard.sharding @g split_axes = [[]] : !shard.sharding
  %mr = shard.shard %m to %r annotate_for_users : tensor<1x4x6xf32>
  return %mr : tensor<1x4x6xf32>
}
