// A function on two grids: a located error.
// RUN: autoshard-opt %s --split-input-file --verify-diagnostics --autoshard-partition

shard.grid @a(shape = 2)
shard.grid @b(shape = 4)
func.func @between_grids(%x: tensor<8xf32>) -> tensor<8xf32> {
  %s = shard.sharding @a split_axes = [[0]] : !shard.sharding
  // expected-error @below {{@between_grids uses grids @a and @b: moving a value between grids is not supported}}
  %t = shard.sharding @b split_axes = [[0]] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<8xf32>
  %xt = shard.shard %xs to %t annotate_for_users : tensor<8xf32>
  return %xt : tensor<8xf32>
}
