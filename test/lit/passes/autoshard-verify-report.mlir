// autoshard-verify's success line (a report: printed with --plan-report
// only): what was compared, on which grid, and the largest error. Floats
// are held to rtol/atol, integers must be equal; an int8 program whose
// rescale multiplier and shift are elided constants verifies (they are
// drawn from the ranges TOSA allows, see sim/domains.py).
// RUN: autoshard-opt %s --split-input-file --plan-report --pass-pipeline='builtin.module(autoshard{grid=2x4 memory-budget=12KiB},autoshard-partition,autoshard-verify)' -o %t 2>&1 | FileCheck %s
// RUN: autoshard-opt %s --split-input-file --pass-pipeline='builtin.module(autoshard{grid=2x4 memory-budget=12KiB},autoshard-partition,autoshard-verify)' -o %t 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty

// CHECK: autoshard-verify @mlp: 1 result and {{[0-9]+}} intermediate values match on grid 2x4 (8 devices); largest abs error {{[0-9.e+-]+}} (rtol 1e-05, atol 1e-06){{$}}
// CHECK: autoshard-verify @q: 1 result and {{[0-9]+}} intermediate values match on grid 2x4 (8 devices); {{[0-9]+}} integer values equal exactly{{$}}
// QUIET-NOT: autoshard-verify @

func.func @mlp(%x: tensor<1x16x32xf32>, %w1: tensor<1x32x64xf32>, %w2: tensor<1x64x32xf32>) -> tensor<1x16x32xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %h = tosa.matmul %x, %w1, %zp, %zp : (tensor<1x16x32xf32>, tensor<1x32x64xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x64xf32>
  %t = tosa.tanh %h : (tensor<1x16x64xf32>) -> tensor<1x16x64xf32>
  %y = tosa.matmul %t, %w2, %zp, %zp : (tensor<1x16x64xf32>, tensor<1x64x32xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x32xf32>
  return %y : tensor<1x16x32xf32>
}

// -----

func.func @q(%x: tensor<4x8x32xi8>, %w: tensor<4x32x16xi8>) -> tensor<4x8x16xi8> {
  %zp8 = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %zp32 = "tosa.const"() <{values = dense<0> : tensor<1xi32>}> : () -> tensor<1xi32>
  %m = "tosa.const"() <{values = dense_resource<__elided__> : tensor<1xi32>}> : () -> tensor<1xi32>
  %sh = "tosa.const"() <{values = dense_resource<__elided__> : tensor<1xi8>}> : () -> tensor<1xi8>
  %acc = tosa.matmul %x, %w, %zp8, %zp8 : (tensor<4x8x32xi8>, tensor<4x32x16xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<4x8x16xi32>
  %y = tosa.rescale %acc, %m, %sh, %zp32, %zp8 {input_unsigned = false, output_unsigned = false, per_channel = false, rounding_mode = DOUBLE_ROUND, scale32 = true} : (tensor<4x8x16xi32>, tensor<1xi32>, tensor<1xi8>, tensor<1xi32>, tensor<1xi8>) -> tensor<4x8x16xi8>
  return %y : tensor<4x8x16xi8>
}
