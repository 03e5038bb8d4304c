// Groups whose size is not a power of two (3 and 6 on a 2x3 grid): the
// odd ring and the non-power-of-two pairwise exchange; an all_reduce whose
// 8 elements do not split evenly over 6 ranks (chunks of 1 or 2 elements: the
// mean per rank is still the cost model's 2(n-1)/n * B).
// RUN: autoshard-run %s --pass-pipeline='builtin.module(autoshard-partition)' --ranks 6 --bytes | FileCheck %s
// CHECK: spmd: 6 MPI ranks
// CHECK: #0 all_to_all grid_axes=[1] (group of 3) {{.*}}: 64 B/rank sent (mean; min 64, max 64), cost model 64 B, ratio 1.000
// CHECK: #1 all_slice grid_axes=[1] (group of 3) {{.*}} ratio exact
// CHECK: #2 reduce_scatter grid_axes=[1] (group of 3) {{.*}}: 64 B/rank sent (mean; min 64, max 64), cost model 64 B, ratio 1.000
// CHECK: #3 all_reduce grid_axes=[0] (group of 2) {{.*}}: 32 B/rank sent (mean; min 32, max 32), cost model 32 B, ratio 1.000
// CHECK: #4 all_reduce grid_axes=[0, 1] (group of 6) {{.*}}: 53 B/rank sent (mean; min 52, max 56), cost model 53 B, ratio 1.000
// CHECK: #5 all_gather grid_axes=[1] (group of 3) {{.*}}: 192 B/rank sent (mean; min 192, max 192), cost model 192 B, ratio 1.000
// CHECK: largest error 0 (rtol 1e-05, atol 1e-06): match
shard.grid @g(shape = 2x3)
func.func @kinds(%a: tensor<1x6x12xf32>, %b: tensor<1x12x4xf32>, %c: tensor<1x2x12xf32>, %x: tensor<6x12xf32>, %z: tensor<6x12xf32>) -> (tensor<1x6x4xf32>, tensor<1x2x4xf32>, tensor<6x12xf32>) {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %sa = shard.sharding @g split_axes = [[], [], [0, 1]] : !shard.sharding
  %sb = shard.sharding @g split_axes = [[], [0, 1]] : !shard.sharding
  %rows = shard.sharding @g split_axes = [[1]] : !shard.sharding
  %cols = shard.sharding @g split_axes = [[], [1]] : !shard.sharding
  %rep = shard.sharding @g split_axes = [[]] : !shard.sharding
  %a0 = shard.shard %a to %sa : tensor<1x6x12xf32>
  %b0 = shard.shard %b to %sb : tensor<1x12x4xf32>
  %m = tosa.matmul %a0, %b0, %zp, %zp : (tensor<1x6x12xf32>, tensor<1x12x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x6x4xf32>
  %m1 = shard.shard %m to %cols annotate_for_users : tensor<1x6x4xf32>
  %c0 = shard.shard %c to %sa : tensor<1x2x12xf32>
  %n = tosa.matmul %c0, %b0, %zp, %zp : (tensor<1x2x12xf32>, tensor<1x12x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x2x4xf32>
  %n1 = shard.shard %n to %rep annotate_for_users : tensor<1x2x4xf32>
  %x0 = shard.shard %x to %rows : tensor<6x12xf32>
  %x1 = shard.shard %x0 to %cols annotate_for_users : tensor<6x12xf32>
  %z0 = shard.shard %z to %rep : tensor<6x12xf32>
  %z1 = shard.shard %z0 to %cols annotate_for_users : tensor<6x12xf32>
  %y = tosa.add %x1, %z1 : (tensor<6x12xf32>, tensor<6x12xf32>) -> tensor<6x12xf32>
  %y0 = shard.shard %y to %cols : tensor<6x12xf32>
  %y1 = shard.shard %y0 to %rep annotate_for_users : tensor<6x12xf32>
  return %m1, %n1, %y1 : tensor<1x6x4xf32>, tensor<1x2x4xf32>, tensor<6x12xf32>
}
