// The planner needs static sizes: a dynamic grid axis without sizes from
// grid=..., and a user annotation splitting a dynamic dimension, are located
// errors (autoshard-partition alone takes both); verify's grid-sizes must
// fill the dynamic axes.  Messages print `?`.
// RUN: autoshard-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(autoshard)'
// RUN: not autoshard-opt %s --split-input-file --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify{grid-sizes=2x2})' -o %t.mlir 2>&1 | FileCheck %s --check-prefix=SIZES

// expected-error @below {{grid '@d' has a dynamic axis (shape 4x?x2): the planner needs a static size for every axis; give them with the option grid=... (e.g. grid=4x2x2)}}
shard.grid @d(shape = 4x?x2)
func.func @dynamic_grid(%x: tensor<8x6xf32>) -> tensor<8x6xf32> {
  %s = shard.sharding @d split_axes = [[0]] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<8x6xf32>
  %t = tosa.tanh %xs : (tensor<8x6xf32>) -> tensor<8x6xf32>
  return %t : tensor<8x6xf32>
}
// SIZES: dynamic-invalid.mlir:10:1: error: autoshard-verify{grid-sizes=2x2}: grid '@d' of shape 4x?x2 has 1 dynamic axis; sizes 2x2 do not fill them

// -----

shard.grid @g(shape = 2)
func.func @dynamic_dim(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %s = shard.sharding @g split_axes = [[0]] : !shard.sharding
  // expected-error @below {{this annotation splits dynamic dimension 0: the planner only splits static dimensions (cost needs sizes); run autoshard-partition alone on such annotations}}
  %xs = shard.shard %x to %s annotate_for_users : tensor<?x8xf32>
  %t = tosa.tanh %xs : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %t : tensor<?x8xf32>
}
