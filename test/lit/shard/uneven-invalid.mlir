// Malformed sharded_dims_offsets / halo_sizes annotations: each one a
// located error (exit 1), never an abort.
// RUN: autoshard-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(autoshard-partition)'
// RUN: not autoshard-opt %s --split-input-file --pass-pipeline='builtin.module(autoshard-partition)' 2>&1 | FileCheck %s --check-prefix=LOC
// LOC-NOT: Traceback
// LOC: uneven-invalid.mlir:{{[0-9]+}}:{{[0-9]+}}: error: {{.*}}non-decreasing
// LOC-NOT: Traceback

shard.grid @g(shape = 4)
func.func @decreasing(%x: tensor<6xf32>) -> tensor<6xf32> {
  // expected-error @below {{sharded dims offsets must be non-decreasing}}
  %s = shard.sharding @g split_axes = [[0]] sharded_dims_offsets = [0, 3, 2, 5, 6] : !shard.sharding
  %a = shard.shard %x to %s : tensor<6xf32>
  return %a : tensor<6xf32>
}

// -----

shard.grid @g(shape = 4)
func.func @too_many_offsets(%x: tensor<6xf32>) -> tensor<6xf32> {
  // expected-error @below {{sharded_dims_offsets has 6 entries; the split dimensions need 5}}
  %s = shard.sharding @g split_axes = [[0]] sharded_dims_offsets = [0, 1, 2, 3, 5, 6] : !shard.sharding
  %a = shard.shard %x to %s : tensor<6xf32>
  return %a : tensor<6xf32>
}

// -----

shard.grid @g(shape = 4)
func.func @too_few_offsets(%x: tensor<6xf32>) -> tensor<6xf32> {
  // expected-error @below {{sharded dims offsets has wrong size}}
  %s = shard.sharding @g split_axes = [[0]] sharded_dims_offsets = [0, 1, 6] : !shard.sharding
  %a = shard.shard %x to %s : tensor<6xf32>
  return %a : tensor<6xf32>
}

// -----

shard.grid @g(shape = 4)
func.func @offsets_past_the_end(%x: tensor<6xf32>) -> tensor<6xf32> {
  %s = shard.sharding @g split_axes = [[0]] sharded_dims_offsets = [0, 1, 2, 3, 7] : !shard.sharding
  // expected-error @below {{sharded_dims_offsets of dimension 0 must run from 0 to its size 6, got [0, 1, 2, 3, 7]}}
  %a = shard.shard %x to %s : tensor<6xf32>
  return %a : tensor<6xf32>
}

// -----

shard.grid @g(shape = 4)
func.func @uneven_without_offsets(%x: tensor<10xf32>) -> tensor<10xf32> {
  %s = shard.sharding @g split_axes = [[0]] : !shard.sharding
  // expected-error @below {{dimension 0 of size 10 is not divisible by 4 shards (grid axes [0]): give its block boundaries with sharded_dims_offsets}}
  %a = shard.shard %x to %s : tensor<10xf32>
  return %a : tensor<10xf32>
}

// -----

shard.grid @g(shape = 2x2)
func.func @offsets_over_two_axes(%x: tensor<10xf32>) -> tensor<10xf32> {
  %s = shard.sharding @g split_axes = [[0, 1]] sharded_dims_offsets = [0, 1, 2, 3, 10] : !shard.sharding
  // expected-error @below {{split over several grid axes [0, 1], are not supported}}
  %a = shard.shard %x to %s : tensor<10xf32>
  return %a : tensor<10xf32>
}

// -----

shard.grid @g(shape = 4)
func.func @halo_count(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  // expected-error @below {{halo sizes must be specified for all split axes}}
  %s = shard.sharding @g split_axes = [[0], []] halo_sizes = [1, 1, 1, 1] : !shard.sharding
  %a = shard.shard %x to %s : tensor<8x8xf32>
  return %a : tensor<8x8xf32>
}

// -----

shard.grid @g(shape = 4)
func.func @halo_wider_than_block(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %s = shard.sharding @g split_axes = [[0]] halo_sizes = [3, 1] : !shard.sharding
  // expected-error @below {{halo [3, 1] of dimension 0 is larger than its block of 2}}
  %a = shard.shard %x to %s : tensor<8x8xf32>
  return %a : tensor<8x8xf32>
}

// -----

shard.grid @g(shape = 4)
func.func @negative_halo(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %s = shard.sharding @g split_axes = [[0]] halo_sizes = [-1, 1] : !shard.sharding
  // expected-error @below {{halo sizes of dimension 0 must be non-negative, got [-1, 1]}}
  %a = shard.shard %x to %s : tensor<8x8xf32>
  return %a : tensor<8x8xf32>
}

// -----

shard.grid @g(shape = 4)
func.func @halo_on_uneven_split(%x: tensor<10x8xf32>) -> tensor<10x8xf32> {
  %s = shard.sharding @g split_axes = [[0]] halo_sizes = [1, 1] : !shard.sharding
  // expected-error @below {{halo sizes need an even split: dimension 0 of size 10 on 4 shards}}
  %a = shard.shard %x to %s : tensor<10x8xf32>
  return %a : tensor<10x8xf32>
}

// -----

shard.grid @g(shape = 4)
func.func @halo_and_offsets(%x: tensor<10x8xf32>) -> tensor<10x8xf32> {
  // expected-error @below {{halo sizes and shard offsets are mutually exclusive}}
  %s = shard.sharding @g split_axes = [[0]] halo_sizes = [1, 1] sharded_dims_offsets = [0, 3, 6, 8, 10] : !shard.sharding
  %a = shard.shard %x to %s : tensor<10x8xf32>
  return %a : tensor<10x8xf32>
}

// -----

shard.grid @g(shape = 4)
func.func @dynamic_halo(%x: tensor<8x8xf32>, %h: i64) -> tensor<8x8xf32> {
  // expected-error @below {{dynamic halo sizes in shardings are not supported (only constants are folded)}}
  %s = shard.sharding @g split_axes = [[0]] halo_sizes = [%h, 1] : !shard.sharding
  %a = shard.shard %x to %s : tensor<8x8xf32>
  return %a : tensor<8x8xf32>
}
