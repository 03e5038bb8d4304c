// Every collective kind on the 2x4 grid, over one axis and over both
// (a communicator per group of grid axes), on 8 MPI ranks.
// RUN: autoshard-run %s --pass-pipeline='builtin.module(autoshard-partition)' --ranks 8 --bytes | FileCheck %s
// CHECK: spmd: 8 MPI ranks
// CHECK: #0 all_to_all grid_axes=[1] (group of 4) {{.*}}: 48 B/rank sent (mean; min 48, max 48), cost model 48 B, ratio 1.000
// CHECK: #1 all_slice grid_axes=[0, 1] (group of 8) {{.*}} ratio exact
// CHECK: #2 reduce_scatter grid_axes=[1] (group of 4) {{.*}}: 384 B/rank sent (mean; min 384, max 384), cost model 384 B, ratio 1.000
// CHECK: #3 all_reduce grid_axes=[0] (group of 2) {{.*}}: 128 B/rank sent (mean; min 128, max 128), cost model 128 B, ratio 1.000
// CHECK: #4 all_reduce grid_axes=[0, 1] (group of 8) {{.*}}: 896 B/rank sent (mean; min 896, max 896), cost model 896 B, ratio 1.000
// CHECK: #5 all_gather grid_axes=[0, 1] (group of 8) {{.*}}: 448 B/rank sent (mean; min 448, max 448), cost model 448 B, ratio 1.000
// CHECK: #6 all_slice grid_axes=[0] (group of 2) {{.*}} ratio exact
// CHECK: #7 all_slice grid_axes=[1] (group of 4) {{.*}} ratio exact
// CHECK: #8 all_gather grid_axes=[0] (group of 2) {{.*}}: 64 B/rank sent (mean; min 64, max 64), cost model 64 B, ratio 1.000
// CHECK: #9 all_gather grid_axes=[1] (group of 4) {{.*}}: 384 B/rank sent (mean; min 384, max 384), cost model 384 B, ratio 1.000
// CHECK: largest error 0 (rtol 1e-05, atol 1e-06): match

shard.grid @g(shape = 2x4)
func.func @kinds(%a: tensor<1x8x16xf32>, %b: tensor<1x16x16xf32>, %x: tensor<16x8xf32>, %z: tensor<16x8xf32>) -> (tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<16x8xf32>) {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %sa = shard.sharding @g split_axes = [[], [], [0, 1]] : !shard.sharding
  %sb = shard.sharding @g split_axes = [[], [0, 1]] : !shard.sharding
  %sm = shard.sharding @g split_axes = [[], [], [1]] : !shard.sharding
  %sx = shard.sharding @g split_axes = [[1], [0]] : !shard.sharding
  %sy = shard.sharding @g split_axes = [[], [0, 1]] : !shard.sharding
  %sz = shard.sharding @g split_axes = [[0], [1]] : !shard.sharding
  %rep = shard.sharding @g split_axes = [[]] : !shard.sharding
  %a0 = shard.shard %a to %sa : tensor<1x8x16xf32>
  %b0 = shard.shard %b to %sb : tensor<1x16x16xf32>
  %m = tosa.matmul %a0, %b0, %zp, %zp : (tensor<1x8x16xf32>, tensor<1x16x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x16xf32>
  %m1 = shard.shard %m to %sm annotate_for_users : tensor<1x8x16xf32>
  %m2 = shard.shard %m to %rep annotate_for_users : tensor<1x8x16xf32>
  %x0 = shard.shard %x to %sx : tensor<16x8xf32>
  %x1 = shard.shard %x0 to %sy annotate_for_users : tensor<16x8xf32>
  %z0 = shard.shard %z to %rep : tensor<16x8xf32>
  %z1 = shard.shard %z0 to %sy annotate_for_users : tensor<16x8xf32>
  %y = tosa.add %x1, %z1 : (tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x8xf32>
  %y0 = shard.shard %y to %sy : tensor<16x8xf32>
  %y1 = shard.shard %y0 to %sz annotate_for_users : tensor<16x8xf32>
  %y2 = shard.shard %y1 to %rep annotate_for_users : tensor<16x8xf32>
  return %m1, %m2, %y2 : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<16x8xf32>
}
