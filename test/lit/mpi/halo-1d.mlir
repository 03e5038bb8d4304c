// Halo exchange (a convolution split along H) and per-device offsets (a
// pad along a split dimension: shard.process_multi_index, arith,
// tensor.extract_slice with dynamic offsets) on a 1-D grid of 4.  A halo
// exchange is charged for an interior rank, which has both neighbours; the
// two ends of the group send half of that.
// RUN: autoshard-run %s --function=halo_1d --pass-pipeline='builtin.module(autoshard-partition)' --ranks 4 --bytes | FileCheck %s --check-prefix=HALO
// HALO: spmd: 4 MPI ranks
// HALO: #0 update_halo grid_axes=[0] (group of 4) {{.*}}: 256 B/rank sent (max; min 128, max 256), cost model 256 B, ratio 1.000
// HALO: largest error 0 (rtol 1e-05, atol 1e-06): match
// RUN: autoshard-run %s --function=pad_rows --pass-pipeline='builtin.module(autoshard-partition)' --ranks 4 | FileCheck %s --check-prefix=PAD
// PAD: largest error 0 (rtol 1e-05, atol 1e-06): match
shard.grid @g(shape = 4)
func.func @halo_1d(%x: tensor<1x16x8x4xf32>, %w: tensor<4x3x3x4xf32>, %bias: tensor<4xf32>) -> tensor<1x16x8x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %sx = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %rep = shard.sharding @g split_axes = [[]] : !shard.sharding
  %x0 = shard.shard %x to %sx : tensor<1x16x8x4xf32>
  %c = tosa.conv2d %x0, %w, %bias, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x16x8x4xf32>, tensor<4x3x3x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x8x4xf32>
  %c0 = shard.shard %c to %sx : tensor<1x16x8x4xf32>
  %c1 = shard.shard %c0 to %rep annotate_for_users : tensor<1x16x8x4xf32>
  return %c1 : tensor<1x16x8x4xf32>
}
func.func @pad_rows(%x: tensor<16x8xf32>) -> tensor<20x8xf32> {
  %rows = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %rep = shard.sharding @g split_axes = [[]] : !shard.sharding
  %x0 = shard.shard %x to %rows : tensor<16x8xf32>
  %p = tosa.const_shape {values = dense<[2, 2, 0, 0]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %v = "tosa.const"() <{values = dense<0.5> : tensor<1xf32>}> : () -> tensor<1xf32>
  %y = tosa.pad %x0, %p, %v : (tensor<16x8xf32>, !tosa.shape<4>, tensor<1xf32>) -> tensor<20x8xf32>
  %y0 = shard.shard %y to %rows : tensor<20x8xf32>
  %y1 = shard.shard %y0 to %rep annotate_for_users : tensor<20x8xf32>
  return %y1 : tensor<20x8xf32>
}
