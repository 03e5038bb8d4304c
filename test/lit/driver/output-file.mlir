// -o writes the file only when everything succeeded; a failing run leaves
// an existing file untouched and creates none.
// RUN: rm -f %t.new
// RUN: not autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-fail-at-op -o %t.new
// RUN: %python -c "import os, sys; sys.exit(os.path.exists(sys.argv[1]))" %t.new
// RUN: echo "previous contents" > %t.old
// RUN: not autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-fail-at-op -o %t.old
// RUN: FileCheck %s --check-prefix=OLD --input-file=%t.old
// OLD: previous contents
// Also with --split-input-file when only one chunk fails (stdout would get
// the good chunk; the file gets nothing).
// RUN: not autoshard-opt %s --split-input-file --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-fail-at-op -o %t.new
// RUN: %python -c "import os, sys; sys.exit(os.path.exists(sys.argv[1]))" %t.new
// Success replaces the file; no temporary file is left behind.
// RUN: autoshard-opt %s --split-input-file -o %t.old
// RUN: FileCheck %s --check-prefix=NEW --input-file=%t.old
// NEW: func.func @good
// NEW: // -----
// NEW: func.func @bad
// RUN: %python -c "import glob, os, sys; sys.exit(bool(glob.glob(os.path.join(os.path.dirname(sys.argv[1]), '.autoshard-opt-*'))))" %t.old

func.func @good() {
  return
}

// -----

func.func @bad(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
