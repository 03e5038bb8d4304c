// The passes talk through the IR: with --split-input-file every chunk is
// checked against the original autoshard-partition kept in it, and
// autoshard-verify on a module autoshard-partition has not seen is an error.
// RUN: %mlir-opt-autoshard %s --split-input-file --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-partition,canonicalize,autoshard-verify)' | FileCheck %s
// RUN: not %mlir-opt-autoshard %s --split-input-file --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-verify)' 2>&1 | FileCheck %s --check-prefix=ALONE

// CHECK-LABEL: func.func @first
// CHECK: tosa.exp
// CHECK: {{//[ ]-----}}
// CHECK-LABEL: func.func @second
// CHECK: tosa.matmul
// ALONE: state.mlir:[[@LINE+3]]:1: error: @first has no original kept by autoshard-partition
// ALONE: state.mlir:{{[0-9]+}}:1: error: @second has no original kept by autoshard-partition

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
