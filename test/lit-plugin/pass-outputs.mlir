// autoshard's own pass tests (test/lit/passes) through stock mlir-opt and
// the plugin print what autoshard-opt prints for them, byte for byte.  (Not
// run: the legacy `mesh` inputs, which mlir-opt 22 does not parse, and
// autoshard-opt's own options: --plan-report, Python pass plugins.)
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard.mlir --pass-pipeline='builtin.module(autoshard{grid=8 memory-budget=160MiB})' > %t.plugin
// RUN: autoshard-opt %S/../lit/passes/autoshard.mlir --pass-pipeline='builtin.module(autoshard{grid=8 memory-budget=160MiB})' > %t.driver
// RUN: diff %t.driver %t.plugin
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard-cluster.mlir --pass-pipeline='builtin.module(autoshard{grid=2x2 memory-budget=400MiB cluster=%S/../lit/passes/Inputs/cluster-2d.json},autoshard-partition)' > %t.plugin
// RUN: autoshard-opt %S/../lit/passes/autoshard-cluster.mlir --pass-pipeline='builtin.module(autoshard{grid=2x2 memory-budget=400MiB cluster=%S/../lit/passes/Inputs/cluster-2d.json},autoshard-partition)' > %t.driver
// RUN: diff %t.driver %t.plugin
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard-verify-report.mlir --split-input-file --pass-pipeline='builtin.module(autoshard{grid=2x4 memory-budget=12KiB},autoshard-partition,autoshard-verify)' > %t.plugin
// RUN: autoshard-opt %S/../lit/passes/autoshard-verify-report.mlir --split-input-file --pass-pipeline='builtin.module(autoshard{grid=2x4 memory-budget=12KiB},autoshard-partition,autoshard-verify)' > %t.driver
// RUN: diff %t.driver %t.plugin
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard-partition.mlir --split-input-file --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify)' > %t.plugin
// RUN: autoshard-opt %S/../lit/passes/autoshard-partition.mlir --split-input-file --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify)' > %t.driver
// RUN: diff %t.driver %t.plugin
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard-verify.mlir --pass-pipeline='builtin.module(autoshard{grid=8 memory-budget=12KiB},autoshard-partition,autoshard-verify{seed=7})' > %t.plugin
// RUN: autoshard-opt %S/../lit/passes/autoshard-verify.mlir --pass-pipeline='builtin.module(autoshard{grid=8 memory-budget=12KiB},autoshard-partition,autoshard-verify{seed=7})' > %t.driver
// RUN: diff %t.driver %t.plugin
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard-calls.mlir --pass-pipeline='builtin.module(inline,autoshard{grid=4 memory-budget=200B},autoshard-partition,autoshard-verify)' > %t.plugin
// RUN: autoshard-opt %S/../lit/passes/autoshard-calls.mlir --pass-pipeline='builtin.module(inline,autoshard{grid=4 memory-budget=200B},autoshard-partition,autoshard-verify)' > %t.driver
// RUN: diff %t.driver %t.plugin
