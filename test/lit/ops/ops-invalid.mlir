// Bad input around the op families: a located error and exit code 1 each.
// RUN: autoshard-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify)'

// Halos in a user annotation wider than the block they surround (halos come
// from the immediate neighbours; docs/shardings.md).
shard.grid @g(shape = 2)
func.func @user_halo(%x: tensor<1x8x8x4xf32>) -> tensor<1x8x8x4xf32> {
  %s = shard.sharding @g split_axes = [[], [0]] halo_sizes = [5, 1] : !shard.sharding
  // expected-error @below {{halo [5, 1] of dimension 1 is larger than its block of 4}}
  %a = shard.shard %x to %s : tensor<1x8x8x4xf32>
  return %a : tensor<1x8x8x4xf32>
}

// -----

// A scatter that writes one row twice is undefined in TOSA: the numerical
// check refuses to run it.
shard.grid @g(shape = 2)
func.func @scatter_twice(%v: tensor<1x10x8xf32>, %u: tensor<1x2x8xf32>) -> tensor<1x10x8xf32> {
  %s = shard.sharding @g split_axes = [[], [], [0]] : !shard.sharding
  %vs = shard.shard %v to %s : tensor<1x10x8xf32>
  %i = "tosa.const"() <{values = dense<[[3, 3]]> : tensor<1x2xi32>}> : () -> tensor<1x2xi32>
  // expected-error @below {{an index is written twice}}
  %y = tosa.scatter %vs, %i, %u : (tensor<1x10x8xf32>, tensor<1x2xi32>, tensor<1x2x8xf32>) -> tensor<1x10x8xf32>
  return %y : tensor<1x10x8xf32>
}

// -----

// A gather whose constant indices leave the table.
shard.grid @g(shape = 2)
func.func @gather_out_of_range(%t: tensor<1x10x8xf32>) -> tensor<1x2x8xf32> {
  %i = "tosa.const"() <{values = dense<[[3, 12]]> : tensor<1x2xi32>}> : () -> tensor<1x2xi32>
  // expected-error @below {{'tosa.gather': index out of range}}
  %y = tosa.gather %t, %i : (tensor<1x10x8xf32>, tensor<1x2xi32>) -> tensor<1x2x8xf32>
  return %y : tensor<1x2x8xf32>
}
