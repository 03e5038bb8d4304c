// --mlir-timing, --mlir-pass-statistics and --dump-pass-pipeline print
// mlir-opt's reports on stderr.
//
// The timing report: mlir-opt's layout, MLIR's passes with their nesting,
// autoshard passes by pipeline name, then Output, Rest and Total.
// RUN: autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --pass-pipeline='builtin.module(func.func(cse),test-append-tag)' --mlir-timing 2>&1 >/dev/null | FileCheck %s --check-prefix=TIMING
// TIMING:      ===-------------------------------------------------------------------------===
// TIMING-NEXT:                          ... Execution time report ...
// TIMING-NEXT: ===-------------------------------------------------------------------------===
// TIMING-NEXT:   Total Execution Time: {{[0-9]+\.[0-9][0-9][0-9][0-9]}} seconds
// TIMING-EMPTY:
// TIMING-NEXT:   ----Wall Time----  ----Name----
// TIMING-NEXT: {{^    [0-9]+\.[0-9][0-9][0-9][0-9] \( *[0-9]+\.[0-9]%\)  Parser$}}
// TIMING-NEXT: {{^    [0-9]+\.[0-9][0-9][0-9][0-9] \( *[0-9]+\.[0-9]%\)  'func.func' Pipeline$}}
// TIMING-NEXT: {{^    [0-9]+\.[0-9][0-9][0-9][0-9] \( *[0-9]+\.[0-9]%\)    CSE$}}
// TIMING-NEXT: {{^    [0-9]+\.[0-9][0-9][0-9][0-9] \( *[0-9]+\.[0-9]%\)      \(A\) DominanceInfo$}}
// TIMING-NEXT: {{^    [0-9]+\.[0-9][0-9][0-9][0-9] \( *[0-9]+\.[0-9]%\)  test-append-tag$}}
// TIMING-NEXT: {{^    [0-9]+\.[0-9][0-9][0-9][0-9] \( *[0-9]+\.[0-9]%\)  Output$}}
// TIMING-NEXT: {{^    [0-9]+\.[0-9][0-9][0-9][0-9] \( *[0-9]+\.[0-9]%\)  Rest$}}
// TIMING-NEXT: {{^    [0-9]+\.[0-9][0-9][0-9][0-9] \(100\.0%\)  Total$}}
// The same lines as mlir-opt's own report, numbers aside.
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(func.func(cse),canonicalize)' --mlir-timing 2>&1 >/dev/null | sed -e 's/[0-9][0-9.]*/N/g' > %t.ours
// RUN: mlir-opt %s --pass-pipeline='builtin.module(func.func(cse),canonicalize)' --mlir-timing 2>&1 >/dev/null | sed -e 's/[0-9][0-9.]*/N/g' > %t.theirs
// RUN: diff -b %t.ours %t.theirs
//
// Statistics: byte for byte mlir-opt's for MLIR's passes.
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(func.func(cse),canonicalize)' --mlir-pass-statistics 2>%t.ours >/dev/null
// RUN: mlir-opt %s --pass-pipeline='builtin.module(func.func(cse),canonicalize)' --mlir-pass-statistics 2>%t.theirs >/dev/null
// RUN: diff %t.ours %t.theirs
//
// The pipeline as mlir-opt dumps it, every option spelled out.
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(func.func(cse),func.func(canonicalize{max-iterations=3}),symbol-dce)' --dump-pass-pipeline 2>%t.ours >/dev/null
// RUN: mlir-opt %s --pass-pipeline='builtin.module(func.func(cse),func.func(canonicalize{max-iterations=3}),symbol-dce)' --dump-pass-pipeline 2>%t.theirs >/dev/null
// RUN: diff %t.ours %t.theirs
// RUN: autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-append-tag=tag=z --cse --dump-pass-pipeline 2>&1 >/dev/null | FileCheck %s --check-prefix=DUMP
// DUMP:      Pass Manager with 2 passes:
// DUMP-NEXT: builtin.module(
// DUMP-NEXT:   test-append-tag{tag=z times=1 upper=false},
// DUMP-NEXT:   cse
// DUMP-NEXT: )
//
// With --split-input-file every chunk gets its own reports, as in mlir-opt.
// RUN: autoshard-opt %S/Inputs/two_chunks.mlir --split-input-file --cse --dump-pass-pipeline --mlir-pass-statistics --mlir-timing 2>&1 >/dev/null | sed -e 's/[0-9][0-9.]*/N/g' > %t.ours
// RUN: mlir-opt %S/Inputs/two_chunks.mlir --split-input-file --cse --dump-pass-pipeline --mlir-pass-statistics --mlir-timing 2>&1 >/dev/null | sed -e 's/[0-9][0-9.]*/N/g' > %t.theirs
// RUN: diff -b %t.ours %t.theirs
//
// --mlir-disable-threading is accepted (autoshard-opt never uses threads
// inside MLIR: output must be the same from run to run).
// RUN: autoshard-opt %s --cse --mlir-disable-threading > %t.1
// RUN: autoshard-opt %s --cse > %t.2
// RUN: diff %t.1 %t.2

func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = tosa.add %0, %1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}
