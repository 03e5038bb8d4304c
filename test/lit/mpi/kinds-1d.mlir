// Every collective kind autoshard-partition emits, on a 1-D grid of 4: run
// as native code on 4 MPI ranks (autoshard-to-mpi + stock MLIR passes) and
// compared with the single-process run; each rank sends what the cost model
// charges.
// RUN: autoshard-run %s --pass-pipeline='builtin.module(autoshard-partition)' --ranks 4 --bytes | FileCheck %s
// CHECK: original: 1 process, {{[0-9.]+}} s
// CHECK: spmd: 4 MPI ranks, {{[0-9.]+}} s
// CHECK: collective #0 all_to_all grid_axes=[0] (group of 4) at {{.*}}kinds-1d.mlir:{{[0-9]+}}:{{[0-9]+}}: 96 B/rank sent (mean; min 96, max 96), cost model 96 B, ratio 1.000
// CHECK: collective #1 all_slice grid_axes=[0] (group of 4) {{.*}}: 0 B/rank sent (mean; min 0, max 0), cost model 0 B, ratio exact
// CHECK: collective #2 reduce_scatter grid_axes=[0] (group of 4) {{.*}}: 192 B/rank sent (mean; min 192, max 192), cost model 192 B, ratio 1.000
// CHECK: collective #3 all_reduce grid_axes=[0] (group of 4) {{.*}}: 384 B/rank sent (mean; min 384, max 384), cost model 384 B, ratio 1.000
// CHECK: collective #4 all_gather grid_axes=[0] (group of 4) {{.*}}: 384 B/rank sent (mean; min 384, max 384), cost model 384 B, ratio 1.000
// CHECK: largest error 0 (rtol 1e-05, atol 1e-06): match

shard.grid @g(shape = 4)
func.func @kinds(%a: tensor<1x8x16xf32>, %b: tensor<1x16x8xf32>, %x: tensor<8x16xf32>, %z: tensor<8x16xf32>) -> (tensor<1x8x8xf32>, tensor<1x8x8xf32>, tensor<8x16xf32>) {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %sa = shard.sharding @g split_axes = [[], [], [0]] : !shard.sharding
  %sb = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %rows = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %cols = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %rep = shard.sharding @g split_axes = [[]] : !shard.sharding
  %a0 = shard.shard %a to %sa : tensor<1x8x16xf32>
  %b0 = shard.shard %b to %sb : tensor<1x16x8xf32>
  %m = tosa.matmul %a0, %b0, %zp, %zp : (tensor<1x8x16xf32>, tensor<1x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8xf32>
  %m1 = shard.shard %m to %sb annotate_for_users : tensor<1x8x8xf32>
  %m2 = shard.shard %m to %rep annotate_for_users : tensor<1x8x8xf32>
  %x0 = shard.shard %x to %rows : tensor<8x16xf32>
  %x1 = shard.shard %x0 to %cols annotate_for_users : tensor<8x16xf32>
  %z0 = shard.shard %z to %rep : tensor<8x16xf32>
  %z1 = shard.shard %z0 to %cols annotate_for_users : tensor<8x16xf32>
  %y = tosa.add %x1, %z1 : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
  %y0 = shard.shard %y to %cols : tensor<8x16xf32>
  %y1 = shard.shard %y0 to %rep annotate_for_users : tensor<8x16xf32>
  return %m1, %m2, %y1 : tensor<1x8x8xf32>, tensor<1x8x8xf32>, tensor<8x16xf32>
}
