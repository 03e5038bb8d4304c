// Uneven blocks and halos on MPI ranks: an argument and a result with
// dynamic (per-rank) sizes, the padded all_gather of uneven blocks, the
// table-driven slice into them, and a halo filled by shard.update_halo.
// RUN: autoshard-run %s --pass-pipeline='builtin.module(autoshard-partition)' --ranks 4 | FileCheck %s
// CHECK: spmd: 4 MPI ranks
// CHECK: largest error 0 (rtol 1e-05, atol 1e-06): match
shard.grid @g(shape = 4)
func.func @f(%x: tensor<10x6xf32>, %y: tensor<8x16xf32>) -> (tensor<10x6xf32>, tensor<10x6xf32>, tensor<10x6xf32>, tensor<8x16xf32>) {
  %u = shard.sharding @g split_axes = [[0]] sharded_dims_offsets = [0, 3, 6, 8, 10] : !shard.sharding
  %w = shard.sharding @g split_axes = [[0]] sharded_dims_offsets = [0, 1, 4, 5, 10] : !shard.sharding
  %r = shard.sharding @g split_axes = [[]] : !shard.sharding
  %h = shard.sharding @g split_axes = [[0]] halo_sizes = [1, 2] : !shard.sharding
  %xs = shard.shard %x to %u : tensor<10x6xf32>
  %xu = shard.shard %xs to %u annotate_for_users : tensor<10x6xf32>
  %t = tosa.tanh %xu : (tensor<10x6xf32>) -> tensor<10x6xf32>
  %ts = shard.shard %t to %u : tensor<10x6xf32>
  %tr = shard.shard %ts to %r annotate_for_users : tensor<10x6xf32>
  %tw = shard.shard %ts to %w annotate_for_users : tensor<10x6xf32>
  %ys = shard.shard %y to %r : tensor<8x16xf32>
  %yh = shard.shard %ys to %h annotate_for_users : tensor<8x16xf32>
  %a = tosa.abs %yh : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %ah = shard.shard %a to %h : tensor<8x16xf32>
  return %tr, %ts, %tw, %ah : tensor<10x6xf32>, tensor<10x6xf32>, tensor<10x6xf32>, tensor<8x16xf32>
}
