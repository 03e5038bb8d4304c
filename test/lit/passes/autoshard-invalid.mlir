// Every class of bad input gets a located error and exit code 1.
// RUN: autoshard-opt %s --split-input-file --verify-diagnostics --autoshard='grid=2x4 memory-budget=512KiB'

func.func @malformed(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{expected SSA operand}}
  %0 = tosa.add %x, : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @missing_grid(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{nope}}
  %s = shard.sharding @nope split_axes = [[0]] : !shard.sharding
  %a = shard.shard %x to %s : tensor<8xf32>
  return %a : tensor<8xf32>
}

// -----

shard.grid @g(shape = 2x4)
func.func @axis_out_of_range(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{out of range}}
  %s = shard.sharding @g split_axes = [[2]] : !shard.sharding
  %a = shard.shard %x to %s : tensor<8xf32>
  return %a : tensor<8xf32>
}

// -----

shard.grid @g(shape = 2x4)
func.func @axis_twice(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  // expected-error @below {{grid axis duplicated}}
  %s = shard.sharding @g split_axes = [[0], [0]] : !shard.sharding
  %a = shard.shard %x to %s : tensor<8x8xf32>
  return %a : tensor<8x8xf32>
}

// -----

shard.grid @g(shape = 2x4)
func.func @split_size_one(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %s = shard.sharding @g split_axes = [[1]] : !shard.sharding
  // expected-error @below {{dimension 0 has size 1 and cannot be split}}
  %a = shard.shard %x to %s : tensor<1x8xf32>
  return %a : tensor<1x8xf32>
}

// -----

shard.grid @g(shape = 2x4)
func.func @not_divisible(%x: tensor<6xf32>) -> tensor<6xf32> {
  %s = shard.sharding @g split_axes = [[1]] : !shard.sharding
  // expected-error @below {{dimension 0 of size 6 is not divisible by 4 shards}}
  %a = shard.shard %x to %s : tensor<6xf32>
  return %a : tensor<6xf32>
}

// -----

shard.grid @g(shape = 2x4)
func.func @rank_mismatch(%x: tensor<8xf32>) -> tensor<8xf32> {
  %s = shard.sharding @g split_axes = [[], [1]] : !shard.sharding
  // expected-error @below {{sharding has 2 split dimensions but the tensor has rank 1}}
  %a = shard.shard %x to %s : tensor<8xf32>
  return %a : tensor<8xf32>
}

// -----

// Argument and result, 4 MiB each, split 8 ways still need 1 MiB per device.
shard.grid @g(shape = 2x4)
// expected-error @below {{memory budget 512.00 KiB per device is infeasible for @too_big: the smallest peak the solver reached is 1.00 MiB}}
func.func @too_big(%x: tensor<1024x1024xf32>) -> tensor<1024x1024xf32> {
  %0 = tosa.exp %x : (tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
  return %0 : tensor<1024x1024xf32>
}

// -----

// The partial axes autoshard keeps for LLVM 22 are checked like split axes.
shard.grid @g(shape = 2x4)
func.func @partial_axis_twice(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{grid axis 1 is used more than once in one sharding}}
  %s = shard.sharding @g split_axes = [[1]] {autoshard.partial_axes = array<i16: 1>, autoshard.partial_kind = "sum"} : !shard.sharding
  %a = shard.shard %x to %s : tensor<8xf32>
  return %a : tensor<8xf32>
}
