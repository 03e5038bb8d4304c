// autoshard-verify refuses, before allocating anything, what it cannot
// simulate: too many bytes (naming the value and the bytes), element types
// numpy cannot hold (at the first value of that type), constants the
// bindings cannot hand over (they crash at 2^31 elements).
// RUN: autoshard-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(autoshard{grid=2x4},autoshard-partition,autoshard-verify{sim-memory-limit=1MiB})'

// (floats are simulated in float64 here: precision=auto, under 2^26 of them)
// expected-error @below {{the simulation would need 32.00 MiB (33554432 bytes), over the limit of 1.00 MiB (option sim-memory-limit); the largest value is argument #0 of @too_big of type tensor<1024x1024xf32>: 8.00 MiB (8388608 bytes)}}
func.func @too_big(%x: tensor<1024x1024xf32>) -> tensor<1024x1024xf32> {
  %0 = tosa.add %x, %x : (tensor<1024x1024xf32>, tensor<1024x1024xf32>) -> tensor<1024x1024xf32>
  return %0 : tensor<1024x1024xf32>
}

// -----

func.func @four_bit(%x: tensor<8x8xf32>) -> tensor<8x8xi4> {
  // expected-error @below {{numerical check could not run: cannot simulate element type 'i4'}}
  %0 = tosa.cast %x : (tensor<8x8xf32>) -> tensor<8x8xi4>
  return %0 : tensor<8x8xi4>
}

// -----

func.func @huge_bool_constant() -> tensor<2147483648xi1> {
  // expected-error @below {{'tosa.const' holds 2147483648 elements; the simulator takes constants of at most 2147483647 (2^31 - 1) elements}}
  %0 = "tosa.const"() <{values = dense<true> : tensor<2147483648xi1>}> : () -> tensor<2147483648xi1>
  return %0 : tensor<2147483648xi1>
}

// -----

func.func @eight_bit_float(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  // expected-error @below {{numerical check could not run: cannot simulate element type 'f8E4M3FN'}}
  %0 = tosa.cast %x : (tensor<8x8xf32>) -> tensor<8x8xf8E4M3FN>
  %1 = tosa.cast %0 : (tensor<8x8xf8E4M3FN>) -> tensor<8x8xf32>
  return %1 : tensor<8x8xf32>
}
