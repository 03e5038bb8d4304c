// Halo exchanges on the 2x4 grid: a convolution split along H (grid axis 1)
// and W (grid axis 0), exchanged one dimension after the other.  The cost
// model charges the busiest rank: an interior one in a group of 4 (both
// neighbours), any rank in a group of 2 (one neighbour).
// RUN: autoshard-run %s --pass-pipeline='builtin.module(autoshard-partition)' --ranks 8 --bytes | FileCheck %s
// CHECK: spmd: 8 MPI ranks
// CHECK: #0 update_halo grid_axes=[1] (group of 4) {{.*}}: 128 B/rank sent (max; min 64, max 128), cost model 128 B, ratio 1.000
// CHECK: #1 update_halo grid_axes=[0] (group of 2) {{.*}}: 96 B/rank sent (max; min 96, max 96), cost model 96 B, ratio 1.000
// CHECK: #2 all_gather
// CHECK: largest error 0 (rtol 1e-05, atol 1e-06): match
shard.grid @g(shape = 2x4)
func.func @halo_2d(%x: tensor<1x16x8x4xf32>, %w: tensor<4x3x3x4xf32>, %bias: tensor<4xf32>) -> tensor<1x16x8x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %sx = shard.sharding @g split_axes = [[], [1], [0]] : !shard.sharding
  %rep = shard.sharding @g split_axes = [[]] : !shard.sharding
  %x0 = shard.shard %x to %sx : tensor<1x16x8x4xf32>
  %c = tosa.conv2d %x0, %w, %bias, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x16x8x4xf32>, tensor<4x3x3x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x8x4xf32>
  %c0 = shard.shard %c to %sx : tensor<1x16x8x4xf32>
  %c1 = shard.shard %c0 to %rep annotate_for_users : tensor<1x16x8x4xf32>
  return %c1 : tensor<1x16x8x4xf32>
}
