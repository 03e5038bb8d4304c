// Inputs on which LLVM 22's shard verifiers assert (SIGABRT in the bindings)
// are located errors, exit 1, and the next chunk still runs.
// RUN: autoshard-opt %s --split-input-file --verify-diagnostics
// RUN: not autoshard-opt %s --split-input-file 2>%t.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=ERR < %t.err

shard.grid @g(shape = 2x4)
func.func @offsets_axis_outside_grid(%x: tensor<8xf32>) -> tensor<8xf32> {
  // ERR: verifier-aborts.mlir:[[# @LINE + 2]]:3: error: split axis 2 is outside grid '@g' of rank 2
  // expected-error @below {{split axis 2 is outside grid '@g' of rank 2 (with 'sharded_dims_offsets')}}
  %s = shard.sharding @g split_axes = [[2]] sharded_dims_offsets = [0, 4, 8] : !shard.sharding
  %a = shard.shard %x to %s : tensor<8xf32>
  return %a : tensor<8xf32>
}

// -----

shard.grid @g(shape = 4)
func.func @offsets_second_axis_outside_grid(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  // expected-error @below {{split axis 1 is outside grid '@g' of rank 1}}
  %s = shard.sharding @g split_axes = [[0, 1]] sharded_dims_offsets = [0, 2, 4, 6, 8] : !shard.sharding
  %a = shard.shard %x to %s : tensor<8x8xf32>
  return %a : tensor<8x8xf32>
}

// -----

shard.grid @g(shape = 2x4)
func.func @all_to_all_split_axis(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  // expected-error @below {{'shard.all_to_all' split_axis 5 is not a dimension of its rank-2 operand}}
  %0 = shard.all_to_all %x on @g grid_axes = [0] split_axis = 5 concat_axis = 0 : tensor<8x8xf32> -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}

// -----

shard.grid @g(shape = 2x4)
func.func @all_to_all_concat_axis(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  // expected-error @below {{'shard.all_to_all' concat_axis 7 is not a dimension of its rank-2 operand}}
  %0 = shard.all_to_all %x on @g grid_axes = [0] split_axis = 0 concat_axis = 7 : tensor<8x8xf32> -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}

// -----

shard.grid @g(shape = 2x4)
func.func @all_slice_axis(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  // expected-error @below {{'shard.all_slice' slice_axis 9 is not a dimension of its rank-2 operand}}
  %0 = shard.all_slice %x on @g grid_axes = [0] slice_axis = 9 : tensor<8x8xf32> -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}

// -----

shard.grid @g(shape = 2x4)
func.func @reduce_scatter_axis(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  // expected-error @below {{'shard.reduce_scatter' scatter_axis 4 is not a dimension of its rank-2 operand}}
  %0 = shard.reduce_scatter %x on @g grid_axes = [0] scatter_axis = 4 : tensor<8x8xf32> -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}

// -----

// The chunk after a would-be abort is processed and printed.
// CHECK: func.func @still_runs
func.func @still_runs(%x: tensor<8xf32>) -> tensor<8xf32> {
  return %x : tensor<8xf32>
}
