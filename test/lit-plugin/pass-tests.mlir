// autoshard's own pass tests (test/lit/passes) through stock mlir-opt and
// the plugin: its --verify-diagnostics sees autoshard's errors at the lines
// the tests expect, and the output equals autoshard-opt's.  (Pass flags such
// as --autoshard-partition are not available with plugins, so every run
// uses --pass-pipeline.)
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard-invalid.mlir --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(autoshard{grid=2x4 memory-budget=512KiB})'
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard-verify-invalid.mlir --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-partition,autoshard-verify)'
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard-partition.mlir --split-input-file --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify)' > %t.plugin
// RUN: autoshard-opt %S/../lit/passes/autoshard-partition.mlir --split-input-file --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify)' > %t.driver
// RUN: diff %t.driver %t.plugin
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard-verify.mlir --pass-pipeline='builtin.module(autoshard{grid=8 memory-budget=12KiB},autoshard-partition,autoshard-verify{seed=7})' > %t.plugin
// RUN: autoshard-opt %S/../lit/passes/autoshard-verify.mlir --pass-pipeline='builtin.module(autoshard{grid=8 memory-budget=12KiB},autoshard-partition,autoshard-verify{seed=7})' > %t.driver
// RUN: diff %t.driver %t.plugin
// Warnings keep their locations; upstream's inline before autoshard.
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard-calls.mlir --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-partition,autoshard-verify)' 2>&1 >/dev/null | FileCheck %s --check-prefix=WARN
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard-calls.mlir --pass-pipeline='builtin.module(inline,autoshard{grid=4 memory-budget=200B},autoshard-partition,autoshard-verify)' > %t.plugin
// RUN: autoshard-opt %S/../lit/passes/autoshard-calls.mlir --pass-pipeline='builtin.module(inline,autoshard{grid=4 memory-budget=200B},autoshard-partition,autoshard-verify)' > %t.driver
// RUN: diff %t.driver %t.plugin

// WARN: autoshard-calls.mlir:{{[0-9]+}}:1: warning: @helper is called by another function and is kept replicated; run the 'inline' pass first
