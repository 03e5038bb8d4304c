// Called functions keep their global types (their callers run them replicated,
// with a warning); after upstream's `inline` they are sharded with the caller.
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-partition,autoshard-verify)' 2>%t.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=WARN --input-file=%t.err
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(inline,autoshard{grid=4 memory-budget=200B},autoshard-partition,autoshard-verify)' | FileCheck %s --check-prefix=INLINED

// CHECK-LABEL: func.func private @helper(%arg0: tensor<8x8xf32>) -> tensor<8x8xf32>
// CHECK: func.func @main
// CHECK: call @helper(%{{.*}}) : (tensor<8x8xf32>) -> tensor<8x8xf32>
// WARN: autoshard-calls.mlir:[[@LINE+4]]:1: warning: @helper is called by another function and is kept replicated; run the 'inline' pass first
// INLINED-NOT: call @helper
// INLINED: tosa.exp %{{.*}} : (tensor<{{2x8|8x2}}xf32>)

func.func private @helper(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %e = tosa.exp %x : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return %e : tensor<8x8xf32>
}
func.func @main(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %r = func.call @helper(%x) : (tensor<8x8xf32>) -> tensor<8x8xf32>
  return %r : tensor<8x8xf32>
}
