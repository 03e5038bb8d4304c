// Chunks are processed separately; an error in one is reported at its line
// in this file, the other chunks are still printed, joined by `// -----`.
// RUN: not autoshard-opt --split-input-file %s 2> %t.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=ERR < %t.err
// Same stdout as upstream mlir-opt (it fails on the same chunk).
// RUN: not autoshard-opt --split-input-file %s > %t.ours 2>/dev/null
// RUN: not mlir-opt --split-input-file %s > %t.upstream 2>/dev/null
// RUN: diff %t.ours %t.upstream
// LLVM-style single-dash spelling.
// RUN: not autoshard-opt -split-input-file %s 2>&1 | FileCheck %s --check-prefix=ERR
// Without splitting the whole file is one module, which fails as a whole.
// RUN: not autoshard-opt %s 2>&1 > %t.whole | FileCheck %s --check-prefix=ERR
// RUN: FileCheck %s --check-prefix=EMPTY --allow-empty < %t.whole

// CHECK:       func.func @first
// CHECK:       // -----
// CHECK-NEXT:  // -----
// CHECK-NEXT:  module {
// CHECK-NEXT:    func.func @third
// CHECK-NOT:   // -----
// EMPTY-NOT:   {{.}}

func.func @first(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @second(%a: tensor<4xf32>) -> tensor<4xf32> {
  // ERR: split-input-file.mlir:[[# @LINE + 1]]:8: error: custom op 'tosa.bogus' is unknown
  %0 = tosa.bogus %a : (tensor<4xf32>) -> tensor<4xf32>
  // ERR-NEXT: {{^}}  %0 = tosa.bogus
  // ERR-NEXT: {{^}}       ^
  return %0 : tensor<4xf32>
}

// -----

func.func @third() {
  return
}
