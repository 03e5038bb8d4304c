// Errors raised by passes and warnings they collect are printed as
// file:line:col with the lines of this file, also per chunk; the IR is
// re-verified after every pass.
// RUN: not autoshard-opt %s --split-input-file --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-warn-each-func --test-fail-at-op 2> %t.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=ERR --strict-whitespace < %t.err
// Standard input is called <stdin>, as in mlir-opt.
// RUN: not autoshard-opt --split-input-file --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-fail-at-op < %s 2>&1 | FileCheck %s --check-prefix=STDIN
// A pass leaving invalid IR is caught by the verifier after it.
// RUN: not autoshard-opt %s --split-input-file --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-break-ir 2>&1 | FileCheck %s --check-prefix=BROKEN

// CHECK: func.func @no_add
// CHECK: // -----
// CHECK-NOT: func.func

// ERR:      pass-diagnostics.mlir:[[# @LINE + 1]]:1: warning: visited "no_add"
func.func @no_add(%a: tensor<4xf32>) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}

// -----

// ERR-NEXT: {{^}}func.func @no_add(
// ERR-NEXT: {{^}}^
// ERR-NEXT: pass-diagnostics.mlir:[[# @LINE + 1]]:1: warning: visited "with_add"
func.func @with_add(%a: tensor<4xf32>) -> tensor<4xf32> {
  // ERR:      pass-diagnostics.mlir:[[# @LINE + 1]]:8: error: test failure at tosa.add
  %0 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  // ERR-NEXT: {{^}}  %0 = tosa.add %a, %a
  // ERR-NEXT: {{^}}       ^{{$}}
  // STDIN:    <stdin>:[[# @LINE - 3]]:8: error: test failure at tosa.add
  // BROKEN:   pass-diagnostics.mlir:[[# @LINE + 1]]:3: error: 'func.return' op has 0 operands, but enclosing function (@with_add) returns 1
  return %0 : tensor<4xf32>
}
