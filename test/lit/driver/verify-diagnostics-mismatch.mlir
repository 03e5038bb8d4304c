// --verify-diagnostics failures are reported like mlir-opt's and exit 1:
// unexpected diagnostics, expectations never produced, wrong severity,
// bad regexes; one report per problem, per chunk.
// RUN: not autoshard-opt --split-input-file --verify-diagnostics %s 2>&1 | FileCheck %s
// Upstream mlir-opt finds the same problems in the same places.
// RUN: not mlir-opt --split-input-file --verify-diagnostics %s 2>&1 | FileCheck %s --check-prefix=UPSTREAM

func.func @unexpected() {
  // CHECK: verify-diagnostics-mismatch.mlir:[[# @LINE + 2]]:3: error: unexpected error: custom op 'tosa.bogus' is unknown
  // UPSTREAM-DAG: verify-diagnostics-mismatch.mlir:[[# @LINE + 1]]:3: error: unexpected error: custom op 'tosa.bogus' is unknown
  tosa.bogus
  return
}

// -----

func.func @wrong_text() {
  // CHECK: verify-diagnostics-mismatch.mlir:[[# @LINE + 3]]:3: error: unexpected error: custom op 'tosa.bogus' is unknown
  // CHECK: verify-diagnostics-mismatch.mlir:[[# @LINE + 1]]:6: error: expected error "something else" was not produced
  // expected-error @below {{something else}}
  tosa.bogus
  return
}

// -----

func.func @wrong_line() {
  // CHECK: verify-diagnostics-mismatch.mlir:[[# @LINE + 3]]:3: error: unexpected error
  // CHECK: verify-diagnostics-mismatch.mlir:[[# @LINE + 1]]:6: error: expected error "is unknown" was not produced
  // expected-error @+2 {{is unknown}}
  tosa.bogus
  return
}

// -----

func.func @wrong_severity() {
  // CHECK: verify-diagnostics-mismatch.mlir:[[# @LINE + 2]]:17: error: 'error' diagnostic emitted when expecting a 'warning'
  // CHECK: verify-diagnostics-mismatch.mlir:[[# @LINE + 1]]:17: error: expected warning "is unknown" was not produced
  tosa.bogus // expected-warning {{is unknown}}
  return
}

// -----

// CHECK: verify-diagnostics-mismatch.mlir:[[# @LINE + 2]]:4: error: invalid regex
// UPSTREAM-DAG: verify-diagnostics-mismatch.mlir:[[# @LINE + 1]]:4: error: invalid regex
// expected-error-re {{a{{[0-9}}b}}
func.func @bad_regex() {
  return
}

// -----

// A chunk whose expectations hold produces no report.
func.func @fine() {
  tosa.bogus // expected-error {{is unknown}}
  return
}
// CHECK-NOT: error:
