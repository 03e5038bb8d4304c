// --mlir-print-ir-before-all / -after-all / -after-failure print what
// mlir-opt prints, on stderr: for MLIR's own passes byte for byte the same.
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(func.func(cse),canonicalize)' --mlir-print-ir-before-all --mlir-print-ir-after-all 2>%t.ours >%t.ours.out
// RUN: mlir-opt %s --pass-pipeline='builtin.module(func.func(cse),canonicalize)' --mlir-print-ir-before-all --mlir-print-ir-after-all 2>%t.theirs >%t.theirs.out
// RUN: diff %t.ours %t.theirs
// RUN: diff %t.ours.out %t.theirs.out
// With debug locations and the generic form too.
// RUN: autoshard-opt %s --cse --mlir-print-ir-after-all --mlir-print-op-generic --mlir-print-debuginfo 2>%t.ours >/dev/null
// RUN: mlir-opt %s --cse --mlir-print-ir-after-all --mlir-print-op-generic --mlir-print-debuginfo 2>%t.theirs >/dev/null
// RUN: diff %t.ours %t.theirs
//
// An autoshard pass gets the same header, its pipeline name standing for
// its display name (as in the native plugin).
// RUN: autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --pass-pipeline='builtin.module(test-append-tag{tag=q},func.func(cse))' --mlir-print-ir-after-all 2>&1 >/dev/null | FileCheck %s --check-prefix=AFTER
// AFTER:      // -----// IR Dump After test-append-tag (test-append-tag) //----- //
// AFTER-NEXT: module attributes {test.tags = "q"} {
// AFTER:      // -----// IR Dump After CSE (cse) //----- //
// AFTER-NEXT: func.func @f(
// AFTER-NOT:  IR Dump
// RUN: autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-append-tag=tag=q --mlir-print-ir-before-all 2>&1 >/dev/null | FileCheck %s --check-prefix=BEFORE
// BEFORE:      // -----// IR Dump Before test-append-tag (test-append-tag) //----- //
// BEFORE-NEXT: module {
//
// After a failure only the failing pass is printed, marked "Failed".
// RUN: not autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --cse --test-fail-at-op --mlir-print-ir-after-failure 2>&1 | FileCheck %s --check-prefix=FAILURE
// FAILURE-NOT: IR Dump After CSE
// FAILURE:     // -----// IR Dump After test-fail-at-op Failed (test-fail-at-op) //----- //
// FAILURE-NEXT: module {
// FAILURE:     error: test failure at tosa.add

func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = tosa.add %0, %1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}
