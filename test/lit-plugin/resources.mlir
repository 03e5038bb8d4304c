// dense_resource constants keep their names and data: the plugin parses
// Python's result into the context that already holds the blobs, where the
// parser would rename them (w -> w_1); the output equals autoshard-opt's.
// RUN: %mlir-opt-autoshard %s --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-partition,autoshard-verify)' > %t.plugin
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-partition,autoshard-verify)' > %t.driver
// RUN: diff %t.driver %t.plugin
// RUN: FileCheck %s --input-file=%t.plugin

// CHECK: dense_resource<w> : tensor<1x4x4xf32>
// CHECK: dense_resource<__elided__> : tensor<1x1x4xf32>
// CHECK: {-#
// CHECK: w: "0x04000000

func.func @f(%x: tensor<1x8x4xf32>) -> tensor<1x8x4xf32> {
  %w = "tosa.const"() <{values = dense_resource<w> : tensor<1x4x4xf32>}> : () -> tensor<1x4x4xf32>
  %b = "tosa.const"() <{values = dense_resource<__elided__> : tensor<1x1x4xf32>}> : () -> tensor<1x1x4xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %m = tosa.matmul %x, %w, %zp, %zp : (tensor<1x8x4xf32>, tensor<1x4x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x4xf32>
  %y = tosa.add %m, %b : (tensor<1x8x4xf32>, tensor<1x1x4xf32>) -> tensor<1x8x4xf32>
  return %y : tensor<1x8x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F0000004000004040000080400000A0400000C0400000E040000000410000104100002041000030410000404100005041000060410000704100008041"
    }
  }
#-}
