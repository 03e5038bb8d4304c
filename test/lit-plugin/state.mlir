// The passes of one pipeline share autoshard's pipeline state, per module:
// with --split-input-file every chunk is checked against its own original,
// and autoshard-verify without autoshard-partition before it is an error.
// RUN: %mlir-opt-autoshard %s --split-input-file --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-partition,canonicalize,autoshard-verify)' | FileCheck %s
// RUN: not %mlir-opt-autoshard %s --split-input-file --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-verify)' 2>&1 | FileCheck %s --check-prefix=ALONE

// CHECK-LABEL: func.func @first
// CHECK: tosa.exp
// CHECK: {{//[ ]-----}}
// CHECK-LABEL: func.func @second
// CHECK: tosa.matmul
// ALONE: state.mlir:1:1: error: autoshard-verify needs autoshard-partition earlier in the same pipeline
// ALONE: state.mlir:{{[0-9]+:[0-9]+}}: error: autoshard-verify needs autoshard-partition earlier in the same pipeline

func.func @first(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %e = tosa.exp %x : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return %e : tensor<8x8xf32>
}

// -----

func.func @second(%a: tensor<1x8x16xf32>, %b: tensor<1x16x8xf32>) -> tensor<1x8x8xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %m = tosa.matmul %a, %b, %zp, %zp : (tensor<1x8x16xf32>, tensor<1x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8xf32>
  return %m : tensor<1x8x8xf32>
}
