// Nested pipelines on any op name, as in mlir-opt: `any(...)`, nested
// `builtin.module(...)`, an anchor no op matches (nothing runs), and the
// top-level op with --no-implicit-module.
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(any(cse))' > %t.ours
// RUN: mlir-opt %s --pass-pipeline='builtin.module(any(cse))' > %t.theirs
// RUN: diff %t.ours %t.theirs
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(builtin.module(func.func(cse)),foo.bar(canonicalize))' > %t.ours
// RUN: mlir-opt %s --pass-pipeline='builtin.module(builtin.module(func.func(cse)),foo.bar(canonicalize))' > %t.theirs
// RUN: diff %t.ours %t.theirs
//
// An autoshard pass (a module pass) under builtin.module(...) runs on each
// nested module; under any(...) on the nested ops that are modules.
// RUN: autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --pass-pipeline='builtin.module(builtin.module(test-append-tag{tag=in}),any(test-append-tag{tag=any}),test-append-tag{tag=out})' | FileCheck %s --check-prefix=NESTED
// NESTED:      module attributes {test.tags = "out"} {
// NESTED-NEXT:   module @inner attributes {test.tags = "inany"} {
//
// The root anchor must name the top-level op.
// RUN: not autoshard-opt %s --pass-pipeline='func.func(cse)' 2>&1 | FileCheck %s --check-prefix=ROOT-UPSTREAM
// ROOT-UPSTREAM: error: can't run 'func.func' pass manager on 'builtin.module' op
//
// --no-implicit-module: a lone func.func is the top-level op; passes given
// as flags anchor on it, an autoshard pass (a module pass) does not run there.
// RUN: autoshard-opt %S/Inputs/one_func.mlir --no-implicit-module --cse > %t.ours
// RUN: mlir-opt %S/Inputs/one_func.mlir --no-implicit-module --cse > %t.theirs
// RUN: diff %t.ours %t.theirs
// RUN: autoshard-opt %S/Inputs/one_func.mlir --no-implicit-module --pass-pipeline='func.func(cse)' > %t.ours
// RUN: diff %t.ours %t.theirs
// RUN: not autoshard-opt %S/Inputs/one_func.mlir --no-implicit-module --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-append-tag 2>&1 | FileCheck %s --check-prefix=NOMODULE
// NOMODULE: error: Can't add pass 'test-append-tag' restricted to 'builtin.module' on a PassManager intended to run on 'func.func', did you intend to nest?
// RUN: not autoshard-opt %s --no-implicit-module --cse 2>&1 | FileCheck %s --check-prefix=TWO
// TWO: error: source must contain a single top-level operation, found: 2

module @inner {
  func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {
    %0 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %1 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %2 = tosa.add %0, %1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    return %2 : tensor<4xf32>
  }
}
func.func @g(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}
