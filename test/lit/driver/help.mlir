// --help lists the options and every registered pass with its summary and
// options (type, default, help); --version names the versions.
// RUN: autoshard-opt --help --load-pass-plugin=%S/Inputs/driver_test_passes.py | FileCheck %s
// CHECK: USAGE: autoshard-opt [options] <input file>
// CHECK-DAG: --split-input-file
// CHECK-DAG: --verify-diagnostics
// CHECK-DAG: --pass-pipeline=<pipeline>
// CHECK-DAG: --plan-report[=<filename>]
// CHECK-DAG: -o <filename>
// CHECK:      --test-append-tag {{ *}}-   Append a tag to the module's test.tags string, to observe pass order
// CHECK-NEXT:   --tag=<str> {{ *}}- text to append (default: x)
// CHECK-NEXT:   --times=<int> {{ *}}- how often (default: 1)
// CHECK-NEXT:   --upper=<bool> {{ *}}- upper-case the tag (default: false)
// CHECK:      --test-fail-at-op {{ *}}-   Fail with a located error at the first op of a given name
// CHECK-NEXT:   --op-name=<str> {{ *}}- operation to fail at (default: tosa.add)
// RUN: autoshard-opt --version | FileCheck %s --check-prefix=VERSION
// VERSION: autoshard-opt (autoshard {{[0-9.]+}})
// VERSION: MLIR Python bindings: xtc-mlir-python-bindings 22.
