// --plan-report prints what the passes put in state.reports: to stderr, or
// to a file (written, like -o, only on success); nothing without the flag.
// RUN: autoshard-opt %s --split-input-file --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-append-tag='tag=q times=3' --plan-report 2>&1 >/dev/null | FileCheck %s
// CHECK:      appended 'q' x3
// CHECK-NEXT: appended 'q' x3
// CHECK-NOT:  appended
// RUN: autoshard-opt %s --split-input-file --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-append-tag --plan-report=%t.report > /dev/null
// RUN: FileCheck %s --check-prefix=FILE --input-file=%t.report
// FILE-COUNT-2: appended 'x' x1
// RUN: autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-append-tag 2>&1 >/dev/null | FileCheck %s --check-prefix=NONE --allow-empty
// NONE-NOT: appended

func.func @one() {
  return
}

// -----

func.func @two() {
  return
}
