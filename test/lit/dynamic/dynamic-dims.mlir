// A user annotation that splits a dynamic tensor dimension is partitioned
// with dynamic local sizes, as upstream does; autoshard-verify runs the
// dynamic dimensions at a size every split divides (twice the device count
// unless dynamic-dim-size says).
// RUN: autoshard-opt %s --split-input-file --pass-pipeline='builtin.module(autoshard-partition)' | FileCheck %s
// RUN: autoshard-opt %s --split-input-file --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify)' --plan-report -o %t.mlir 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: autoshard-opt %s --split-input-file --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify{dynamic-dim-size=6})' --plan-report -o %t.mlir 2>&1 | FileCheck %s --check-prefix=SIX

// CHECK-LABEL: func.func @move_split_dynamic(
// CHECK-SAME: %arg0: tensor<?x14xf32> {autoshard.global_type = tensor<?x14xf32>
// CHECK: %[[A:.*]] = shard.all_to_all %arg0 on @g grid_axes = [0] split_axis = 1 concat_axis = 0 : tensor<?x14xf32> -> tensor<?x7xf32>
// CHECK: %[[E:.*]] = tosa.exp %[[A]] : (tensor<?x7xf32>) -> tensor<?x7xf32>
// CHECK: shard.all_gather %[[E]] on @g grid_axes = [0] gather_axis = 1 : tensor<?x7xf32> -> tensor<?x14xf32>
// REPORT: autoshard-verify @move_split_dynamic: 1 result and 1 intermediate value match on grid 2 (2 devices), dynamic dimensions of the arguments at 4
// SIX: autoshard-verify @move_split_dynamic: {{.*}} dynamic dimensions of the arguments at 6
shard.grid @g(shape = 2)
func.func @move_split_dynamic(%x: tensor<?x14xf32>) -> tensor<?x14xf32> {
  %s0 = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %x0 = shard.shard %x to %s0 : tensor<?x14xf32>
  %s1 = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %x1 = shard.shard %x0 to %s1 annotate_for_users : tensor<?x14xf32>
  %e = tosa.exp %x1 : (tensor<?x14xf32>) -> tensor<?x14xf32>
  %r = shard.sharding @g split_axes = [[]] : !shard.sharding
  %er = shard.shard %e to %r annotate_for_users : tensor<?x14xf32>
  return %er : tensor<?x14xf32>
}

// -----

// Split by the user and kept split through an elementwise op: the op runs
// on the dynamic local block (an op's strategy never splits a dynamic
// dimension itself, so the split is gathered first).
// CHECK-LABEL: func.func @split_dynamic_into_op(
// CHECK-SAME: %arg0: tensor<?x8xf32> {autoshard.global_type = tensor<?x8xf32>, autoshard.grid = @g, autoshard.split_axes = #shard<axisarray{{\[\[}}0]]>}
// CHECK: %[[G:.*]] = shard.all_gather %arg0 on @g grid_axes = [0] gather_axis = 0 : tensor<?x8xf32> -> tensor<?x8xf32>
// CHECK: tosa.abs %[[G]] : (tensor<?x8xf32>) -> tensor<?x8xf32>
// REPORT: autoshard-verify @split_dynamic_into_op: 1 result and 1 intermediate value match on grid 2x2 (4 devices), dynamic dimensions of the arguments at 8
shard.grid @g(shape = 2x2)
func.func @split_dynamic_into_op(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %s0 = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %x0 = shard.shard %x to %s0 : tensor<?x8xf32>
  %a = tosa.abs %x0 : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %a : tensor<?x8xf32>
}
