// Partial kinds max, min and product behave like sum: reachable where an op
// reduces with that kind, a located error where no layout can become them.
// RUN: autoshard-opt %s --split-input-file --verify-diagnostics --autoshard='grid=2x4'
// RUN: autoshard-opt %s --split-input-file --verify-diagnostics --autoshard='grid=2x4 memory-budget=1MiB'
// RUN: autoshard-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(autoshard{grid=2x4},autoshard-partition,autoshard-verify)'

shard.grid @m(shape = 2x4)
func.func @reduce_max_partial_max(%x: tensor<8x16xf32>) -> tensor<8x1xf32> {
  %0 = tosa.reduce_max %x {axis = 1 : i32} : (tensor<8x16xf32>) -> tensor<8x1xf32>
  %s = shard.sharding @m split_axes = [[0]] {autoshard.partial_axes = array<i16: 1>, autoshard.partial_kind = "max"} : !shard.sharding
  %1 = shard.shard %0 to %s : tensor<8x1xf32>
  return %1 : tensor<8x1xf32>
}

// -----

shard.grid @m(shape = 2x4)
func.func @reduce_max_partial_min(%x: tensor<8x16xf32>) -> tensor<8x1xf32> {
  %0 = tosa.reduce_max %x {axis = 1 : i32} : (tensor<8x16xf32>) -> tensor<8x1xf32>
  %s = shard.sharding @m split_axes = [[0]] {autoshard.partial_axes = array<i16: 1>, autoshard.partial_kind = "min"} : !shard.sharding
  // expected-error @below {{the annotated sharding [[0]] partial=min[1] cannot be reached from any layout of the annotated value; partial axes can only come from an op that reduces with 'min'}}
  %1 = shard.shard %0 to %s : tensor<8x1xf32>
  return %1 : tensor<8x1xf32>
}

// -----

shard.grid @m(shape = 2x4)
func.func @argument_partial_product(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %s = shard.sharding @m split_axes = [[0]] {autoshard.partial_axes = array<i16: 1>, autoshard.partial_kind = "product"} : !shard.sharding
  // expected-error @below {{partial=product[1] cannot be reached}}
  %1 = shard.shard %x to %s : tensor<8x8xf32>
  return %1 : tensor<8x8xf32>
}

// -----

// The legacy spelling of the seed page: `partial = max[1]`.
mesh.mesh @m(shape = 2x4)
func.func @legacy_partial_max(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  // expected-error @below {{partial=max[1] cannot be reached}}
  %c = mesh.shard %x to <@m, [[0]], partial = max[1]> : tensor<8x8xf32>
  return %c : tensor<8x8xf32>
}
