// Shapes and grids whose sizes leave 64-bit arithmetic are errors where they
// are introduced, before any problem is built.
// RUN: autoshard-opt %s --split-input-file --verify-diagnostics --autoshard='grid=2x4'

// expected-error @below {{argument #0 of type tensor<4294967296x4294967296x16xf32> holds 1180591620717411303424 bytes}}
func.func @argument_too_big(%x: tensor<4294967296x4294967296x16xf32>) -> tensor<4294967296x4294967296x16xf32> {
  %0 = tosa.add %x, %x : (tensor<4294967296x4294967296x16xf32>, tensor<4294967296x4294967296x16xf32>) -> tensor<4294967296x4294967296x16xf32>
  return %0 : tensor<4294967296x4294967296x16xf32>
}

// -----

func.func @result_too_big(%x: tensor<1xf32>) -> tensor<1125899906842625xi8> {
  // expected-error @below {{a result of 'tosa.const' of type tensor<1125899906842625xi8> holds 1125899906842625 bytes}}
  %0 = "tosa.const"() <{values = dense<0> : tensor<1125899906842625xi8>}> : () -> tensor<1125899906842625xi8>
  return %0 : tensor<1125899906842625xi8>
}

// -----

// expected-error @below {{grid '@g' of shape 4294967296x4294967296 has 18446744073709551616 devices}}
shard.grid @g(shape = 4294967296x4294967296)
func.func @huge_grid(%x: tensor<8xf32>) -> tensor<8xf32> {
  return %x : tensor<8xf32>
}

// -----

shard.grid @g(shape = 2x4)
func.func @annotated_shape_too_big(%x: tensor<4294967296x4294967296x4294967296xf32>) -> tensor<4294967296x4294967296x4294967296xf32> {
  %s = shard.sharding @g split_axes = [[0]] : !shard.sharding
  // expected-error @below {{tensor of shape 4294967296x4294967296x4294967296 has 79228162514264337593543950336 elements, too many for its byte count to fit in 64 bits}}
  %a = shard.shard %x to %s : tensor<4294967296x4294967296x4294967296xf32>
  return %a : tensor<4294967296x4294967296x4294967296xf32>
}
