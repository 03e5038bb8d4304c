// -o writes as mlir-opt does (llvm::ToolOutputFile): the path is opened
// before any work and written through, and a failed run removes the file.
//
// A failing run creates no file, and removes an existing one.
// RUN: rm -rf %t && mkdir -p %t
// RUN: not autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-fail-at-op -o %t/new
// RUN: %python -c "import os, sys; sys.exit(os.path.exists(sys.argv[1]))" %t/new
// RUN: echo "previous contents" > %t/old
// RUN: not autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-fail-at-op -o %t/old
// RUN: %python -c "import os, sys; sys.exit(os.path.exists(sys.argv[1]))" %t/old
// Also with --split-input-file when only one chunk fails (stdout would get
// the good chunk; the file gets nothing).
// RUN: not autoshard-opt %s --split-input-file --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-fail-at-op -o %t/new
// RUN: %python -c "import os, sys; sys.exit(os.path.exists(sys.argv[1]))" %t/new
// Success writes the whole output; no temporary file is left behind.
// RUN: autoshard-opt %s --split-input-file -o %t/old
// RUN: FileCheck %s --check-prefix=NEW --input-file=%t/old
// NEW: func.func @good
// NEW: // -----
// NEW: func.func @bad
// RUN: %python -c "import os, sys; sys.exit(os.listdir(sys.argv[1]) != ['old'])" %t
// A new file gets its mode from the umask; an existing one keeps its mode.
// RUN: sh -c 'umask 022 && autoshard-opt %s -o %t/mode644'
// RUN: %python -c "import os, sys; sys.exit(os.stat(sys.argv[1]).st_mode & 0o777 != 0o644)" %t/mode644
// RUN: sh -c 'umask 077 && autoshard-opt %s -o %t/mode600'
// RUN: %python -c "import os, sys; sys.exit(os.stat(sys.argv[1]).st_mode & 0o777 != 0o600)" %t/mode600
// RUN: chmod 640 %t/mode644 && sh -c 'umask 022 && autoshard-opt %s -o %t/mode644'
// RUN: %python -c "import os, sys; sys.exit(os.stat(sys.argv[1]).st_mode & 0o777 != 0o640)" %t/mode644
// A symlink is written through and stays a symlink.
// RUN: echo target > %t/target && ln -s target %t/link
// RUN: autoshard-opt %s -o %t/link
// RUN: %python -c "import os, sys; sys.exit(not os.path.islink(sys.argv[1]))" %t/link
// RUN: FileCheck %s --check-prefix=LINK --input-file=%t/target
// LINK: func.func @good
// A character device stays a device (a private copy of /dev/null, 1:3;
// skipped where mknod is not permitted).
// RUN: %python %S/Inputs/check_device_output.py %t/null -- autoshard-opt %s
// A directory that does not exist is reported before any work.
// RUN: not autoshard-opt %s -o %t/missing/out 2>&1 | FileCheck %s --check-prefix=NODIR
// NODIR: autoshard-opt: error: cannot open output file '{{.*}}missing/out': No such file or directory
// --plan-report=FILE is written the same way.
// RUN: not autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-append-tag --test-fail-at-op --plan-report=%t/old
// RUN: %python -c "import os, sys; sys.exit(os.path.exists(sys.argv[1]))" %t/old
// RUN: autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-append-tag --plan-report=%t/link
// RUN: %python -c "import os, sys; sys.exit(not os.path.islink(sys.argv[1]))" %t/link
// RUN: FileCheck %s --check-prefix=REPORT --input-file=%t/target
// REPORT: appended 'x' x1

func.func @good() {
  return
}

// -----

func.func @bad(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
