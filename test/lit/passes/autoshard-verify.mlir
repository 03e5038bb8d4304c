// autoshard-verify: the SPMD program equals the original (numpy simulator,
// seeded random inputs), and a broken SPMD program is caught and located.
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard{grid=2x4 memory-budget=12KiB},autoshard-partition,autoshard-verify)' | FileCheck %s
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard{grid=8 memory-budget=12KiB},autoshard-partition,autoshard-verify{seed=7})' > /dev/null
// RUN: not autoshard-opt %s --load-pass-plugin=%S/Inputs/corrupt_spmd.py --pass-pipeline='builtin.module(autoshard{grid=2x4 memory-budget=12KiB},autoshard-partition,test-break-reductions,autoshard-verify)' 2>&1 | FileCheck %s --check-prefix=BROKEN
// RUN: not autoshard-opt %s --autoshard-verify 2>&1 | FileCheck %s --check-prefix=ALONE
// The IR is the whole contract: partition in one process, verify in another
// (with debug locations kept, intermediate values are compared too).
// RUN: autoshard-opt %s --autoshard='grid=2x4 memory-budget=12KiB' --autoshard-partition -o %t.spmd.mlir
// RUN: autoshard-opt %t.spmd.mlir --autoshard-verify --plan-report -o %t.checked.mlir 2>&1 | FileCheck %s --check-prefix=LATER
// RUN: autoshard-opt %s --autoshard='grid=2x4 memory-budget=12KiB' --autoshard-partition --mlir-print-debuginfo -o %t.dbg.mlir
// RUN: autoshard-opt %t.dbg.mlir --autoshard-verify --plan-report -o %t.checked.mlir 2>&1 | FileCheck %s --check-prefix=LATERDBG
// LATER: autoshard-verify @mlp: 1 result matches on grid 2x4 (8 devices)
// LATERDBG: autoshard-verify @mlp: 1 result and {{[1-9][0-9]*}} intermediate values match on grid 2x4 (8 devices)
// The first value that differs is named, not only the result it spoils:
// RUN: not autoshard-opt %s --load-pass-plugin=%S/Inputs/corrupt_spmd.py --pass-pipeline='builtin.module(autoshard{grid=2x4 memory-budget=12KiB},autoshard-partition,test-break-clamps,autoshard-verify)' 2>&1 | FileCheck %s --check-prefix=FIRST

// CHECK: shard.reduce_scatter
// BROKEN: autoshard-verify.mlir:[[@LINE+10]]:8: error: numerical check failed: result #0 of @mlp (the value of 'tosa.matmul') differs from the original program
// FIRST: autoshard-verify.mlir:[[@LINE+8]]:8: error: numerical check failed: the value of 'tosa.clamp' differs from the original program
// ALONE: error: @mlp has no original kept by autoshard-partition

// The MLP of examples/mlp.mlir, every size divided by 64; 12 KiB per device
// forces the weights (8 KiB each) to be sharded.
func.func @mlp(%x: tensor<1x16x32xf32>, %w1: tensor<1x32x64xf32>, %w2: tensor<1x64x32xf32>) -> tensor<1x16x32xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %h = tosa.matmul %x, %w1, %zp, %zp : (tensor<1x16x32xf32>, tensor<1x32x64xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x64xf32>
  %r = tosa.clamp %h {min_val = 0.0 : f32, max_val = 3.40282347e38 : f32} : (tensor<1x16x64xf32>) -> tensor<1x16x64xf32>
  %y = tosa.matmul %r, %w2, %zp, %zp : (tensor<1x16x64xf32>, tensor<1x64x32xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x32xf32>
  return %y : tensor<1x16x32xf32>
}
