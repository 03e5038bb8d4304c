// Rank-0 tensors go through the whole pipeline, the numerical check included
// (was a TypeError assembling the global value of a 0-d result).
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard{grid=2x4},autoshard-partition,autoshard-verify)' | FileCheck %s
// CHECK-LABEL: func.func @scalar_and_matrix
// CHECK: return {{.*}} : tensor<f32>, tensor<

func.func @scalar_and_matrix(%x: tensor<f32>, %y: tensor<8x8xf32>) -> (tensor<f32>, tensor<8x8xf32>) {
  %0 = tosa.add %x, %x : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %1 = tosa.add %y, %y : (tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
  return %0, %1 : tensor<f32>, tensor<8x8xf32>
}
