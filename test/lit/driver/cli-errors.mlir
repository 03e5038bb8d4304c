// Command-line mistakes: one `autoshard-opt: error: ...` line, exit 1, no
// traceback, nothing on stdout.
// RUN: not autoshard-opt %s --pass-pipeline='builtin.module(no-such-pass)' 2>&1 | FileCheck %s --check-prefix=UNKNOWN-PASS
// UNKNOWN-PASS: autoshard-opt: error: 'no-such-pass' does not refer to a registered pass or pass pipeline
// UNKNOWN-PASS-NOT: Traceback

// RUN: not autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --pass-pipeline='builtin.module(test-append-tg)' 2>&1 | FileCheck %s --check-prefix=SUGGEST
// SUGGEST: autoshard-opt: error: 'test-append-tg' does not refer to a registered pass or pass pipeline; did you mean 'test-append-tag'?

// RUN: not autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-append-tag='colour=red' 2>&1 | FileCheck %s --check-prefix=BAD-OPTION
// BAD-OPTION: autoshard-opt: error: unknown option 'colour' for pass 'test-append-tag' (options: tag, times, upper)

// RUN: not autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --pass-pipeline='builtin.module(test-append-tag{times=many})' 2>&1 | FileCheck %s --check-prefix=BAD-VALUE
// BAD-VALUE: autoshard-opt: error: option 'times' of pass 'test-append-tag' expects int, got 'many'

// RUN: not autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-append-tag='tag=a tag=b' 2>&1 | FileCheck %s --check-prefix=TWICE
// TWICE: autoshard-opt: error: option 'tag' of pass 'test-append-tag' given more than once

// RUN: not autoshard-opt %s --pass-pipeline='builtin.module(canonicalize{bogus=1})' 2>&1 | FileCheck %s --check-prefix=UPSTREAM-OPTION
// UPSTREAM-OPTION: autoshard-opt: error: invalid options for pass 'canonicalize': {{.*}}no such option bogus

// RUN: not autoshard-opt %s --pass-pipeline='builtin.module(cse' 2>&1 | FileCheck %s --check-prefix=SYNTAX
// SYNTAX:      autoshard-opt: error: invalid --pass-pipeline: expected ',' or ')' at column 19
// SYNTAX-NEXT: {{^}}  builtin.module(cse{{$}}
// SYNTAX-NEXT: {{^}}                    ^{{$}}

// RUN: not autoshard-opt %s --pass-pipeline='cse' 2>&1 | FileCheck %s --check-prefix=NO-ANCHOR
// NO-ANCHOR: autoshard-opt: error: invalid --pass-pipeline: expected pass pipeline to be wrapped with the anchor operation type, e.g. 'builtin.module(...)'

// RUN: not autoshard-opt %s --pass-pipeline="builtin.module(cse{x='unterminated})" 2>&1 | FileCheck %s --check-prefix=QUOTE
// QUOTE: autoshard-opt: error: invalid --pass-pipeline: missing '}' for the options starting here at column 19

// A module pass nested under func.func is rejected, as mlir-opt rejects
// convert-func-to-llvm there.
// RUN: not autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --pass-pipeline='builtin.module(func.func(test-append-tag))' 2>&1 | FileCheck %s --check-prefix=NESTING
// NESTING: autoshard-opt: error: Can't add pass 'test-append-tag' restricted to 'builtin.module' on a PassManager intended to run on 'func.func', did you intend to nest?
// RUN: not autoshard-opt %s --pass-pipeline='builtin.module(func.func(convert-func-to-llvm))' 2>&1 | FileCheck %s --check-prefix=NESTING-UPSTREAM
// NESTING-UPSTREAM: autoshard-opt: error: Can't add pass 'ConvertFuncToLLVMPass' restricted to 'builtin.module' on a PassManager intended to run on 'func.func', did you intend to nest?

// RUN: not autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --pass-pipeline='builtin.module(cse)' --test-append-tag 2>&1 | FileCheck %s --check-prefix=BOTH
// BOTH: autoshard-opt: error: '--pass-pipeline' option can't be used with individual pass options

// RUN: not autoshard-opt %S/no-such-file.mlir 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: autoshard-opt: error: cannot open input file '{{.*}}no-such-file.mlir': No such file or directory

// RUN: not autoshard-opt %s --split-input-fil 2>&1 | FileCheck %s --check-prefix=FLAG
// FLAG: autoshard-opt: error: unknown command line argument '--split-input-fil'; did you mean '--split-input-file'?

// RUN: not autoshard-opt %s %s 2>&1 | FileCheck %s --check-prefix=TWO-INPUTS
// TWO-INPUTS: autoshard-opt: error: too many positional arguments

// RUN: not autoshard-opt %s --load-pass-plugin=%S/Inputs/no-such-plugin.py 2>&1 | FileCheck %s --check-prefix=PLUGIN
// PLUGIN: autoshard-opt: error: cannot load pass plugin '{{.*}}no-such-plugin.py': no such file

// A bug in a pass is an internal error: exit 2, one line, no traceback.
// RUN: %python -c "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode != 2)" \
// RUN:   autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-crash 2> %t.err
// RUN: FileCheck %s --check-prefix=CRASH < %t.err
// CRASH: cli-errors.mlir: error: internal error: in pass 'test-crash': ZeroDivisionError: deliberate
// CRASH-NOT: Traceback

func.func @f() {
  return
}
