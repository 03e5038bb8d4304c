// --verify-diagnostics: parse errors, verifier errors and pass errors are
// matched against expected-* comments; all chunks match, so exit 0 and the
// good chunks are printed.
// RUN: autoshard-opt --split-input-file --verify-diagnostics %s | FileCheck %s
// The same expectations hold for upstream mlir-opt.
// RUN: mlir-opt --split-input-file --verify-diagnostics %s | FileCheck %s
// RUN: not autoshard-opt --split-input-file --verify-diagnostics --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-warn-each-func --test-fail-at-op='op-name=tosa.sub' %s 2>&1 | FileCheck %s --check-prefix=PASSES

// CHECK: func.func @fine
// Pass diagnostics nobody expected, in pass order (warn first, then fail):
// PASSES:      verify-diagnostics.mlir:[[# @LINE + 7]]:1: error: unexpected warning: visited "fine"
// PASSES:      verify-diagnostics.mlir:[[# @LINE + 44]]:1: error: unexpected warning: visited "ok_then_pass_error"
// PASSES-NEXT: ok_then_pass_error
// PASSES-NEXT: ^
// PASSES-NEXT: verify-diagnostics.mlir:[[# @LINE + 42]]:8: error: unexpected error: test failure at tosa.sub
// PASSES-NOT:  error

func.func @fine() {
  return
}

// -----

func.func @parse_error(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{custom op 'tosa.bogus' is unknown}}
  %0 = tosa.bogus %a : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @verifier_error(%a: tensor<4xf32>, %b: tensor<5xf32>) -> tensor<4xf32> {
  %0 = tosa.add %a, %b : (tensor<4xf32>, tensor<5xf32>) -> tensor<4xf32> // expected-error {{operands don't have broadcast-compatible shapes}}
  return %0 : tensor<4xf32>
}

// -----

// expected-error @+1 {{type `nonsense` in dialect `tosa`}}
func.func @offset(%a: !tosa.nonsense) {
  return
}

// -----

// Only the undefined dialect's error and its note; regex form too.
func.func @dialect() {
  // expected-note @below {{Available dialects: }}
  // expected-error-re @below {{Dialect `{{[a-z]+}}' not found}}
  nodialect.op
  return
}

// -----

func.func @ok_then_pass_error(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tosa.sub %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
