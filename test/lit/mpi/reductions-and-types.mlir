// Reduction kinds and element types beyond f32 sums: a partial max (f32,
// reduce_max split along the reduced axis), an i32 sum, and booleans (i1
// travels as bytes), on the 2x4 grid.
// RUN: autoshard-run %s --function=reductions --pass-pipeline='builtin.module(autoshard-partition)' --ranks 8 --bytes | FileCheck %s
// CHECK: #0 all_reduce grid_axes=[1] (group of 4) {{.*}}: 24 B/rank sent (mean; min 24, max 24), cost model 24 B, ratio 1.000
// CHECK: #2 all_reduce grid_axes=[0] (group of 2) {{.*}}: 16 B/rank sent (mean; min 16, max 16), cost model 16 B, ratio 1.000
// CHECK: : match
// RUN: autoshard-run %s --function=booleans --pass-pipeline='builtin.module(autoshard-partition)' --ranks 8 --bytes | FileCheck %s --check-prefix=BOOL
// BOOL-NOT: all_reduce
// BOOL: #4 all_gather grid_axes=[0, 1] (group of 8) {{.*}}: 112 B/rank sent (mean; min 112, max 112), cost model 112 B, ratio 1.000
// BOOL: : match
shard.grid @g(shape = 2x4)
func.func @reductions(%x: tensor<8x16xf32>, %y: tensor<8x16xi32>) -> (tensor<8x1xf32>, tensor<1x16xi32>) {
  %cols = shard.sharding @g split_axes = [[0], [1]] : !shard.sharding
  %rep = shard.sharding @g split_axes = [[]] : !shard.sharding
  %x0 = shard.shard %x to %cols : tensor<8x16xf32>
  %m = tosa.reduce_max %x0 {axis = 1 : i32} : (tensor<8x16xf32>) -> tensor<8x1xf32>
  %m1 = shard.shard %m to %rep annotate_for_users : tensor<8x1xf32>
  %y0 = shard.shard %y to %cols : tensor<8x16xi32>
  %s = tosa.reduce_sum %y0 {axis = 0 : i32} : (tensor<8x16xi32>) -> tensor<1x16xi32>
  %s1 = shard.shard %s to %rep annotate_for_users : tensor<1x16xi32>
  return %m1, %s1 : tensor<8x1xf32>, tensor<1x16xi32>
}
func.func @booleans(%x: tensor<8x16xf32>, %y: tensor<8x16xf32>) -> tensor<8x16xi1> {
  %rows = shard.sharding @g split_axes = [[0, 1]] : !shard.sharding
  %rep = shard.sharding @g split_axes = [[]] : !shard.sharding
  %x0 = shard.shard %x to %rows : tensor<8x16xf32>
  %y0 = shard.shard %y to %rows : tensor<8x16xf32>
  %e = tosa.greater_equal %x0, %y0 : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xi1>
  %e0 = shard.shard %e to %rows : tensor<8x16xi1>
  %e1 = shard.shard %e0 to %rep annotate_for_users : tensor<8x16xi1>
  return %e1 : tensor<8x16xi1>
}
