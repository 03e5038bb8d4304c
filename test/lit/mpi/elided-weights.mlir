// Weights without data (`dense_resource<__elided__>`, as in the corpus'
// frozen and TFLite models) get the simulator's pseudo-random values, the
// same in the single process and on every rank; erf (no LLVM intrinsic)
// becomes a libm call.
// RUN: autoshard-run %s --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-partition)' --ranks 4 | FileCheck %s
// CHECK: spmd: 4 MPI ranks
// CHECK: : match
func.func @frozen(%x: tensor<1x8x16xf32>) -> tensor<1x8x32xf32> {
  %w = "tosa.const"() <{values = dense_resource<__elided__> : tensor<1x16x32xf32>}> : () -> tensor<1x16x32xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %m = tosa.matmul %x, %w, %zp, %zp : (tensor<1x8x16xf32>, tensor<1x16x32xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x32xf32>
  %e = tosa.erf %m : (tensor<1x8x32xf32>) -> tensor<1x8x32xf32>
  return %e : tensor<1x8x32xf32>
}
