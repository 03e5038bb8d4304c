// --list-passes and --show-dialects, in mlir-opt's formats.
// RUN: autoshard-opt --load-pass-plugin=%S/Inputs/driver_test_passes.py --list-passes | FileCheck %s --check-prefix=PASSES
// PASSES:      Passes:
// PASSES:      {{^  --autoshard                                       -   Choose a sharding}}
// PASSES-NEXT: {{^    --baseline=<string>                             - }}
// PASSES:      {{^    --time-limit=<number>                           - solver time limit in seconds$}}
// PASSES:      {{^  --test-append-tag                                 -   }}
// PASSES-NEXT: {{^    --tag=<string>                                  - }}
// PASSES-NEXT: {{^    --times=<int>                                   - }}
// PASSES-NEXT: {{^    --upper                                         - }}
// The dialects are those of the MLIR build the tools share.
// RUN: autoshard-opt --show-dialects > %t.ours
// RUN: mlir-opt --show-dialects > %t.theirs
// RUN: diff %t.ours %t.theirs
