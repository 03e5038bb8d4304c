// autoshard's own pass tests (test/lit/passes) through stock mlir-opt and
// the plugin: mlir-opt's --verify-diagnostics sees autoshard's errors at the
// lines those tests expect.  (Pass flags such as --autoshard are not
// available with plugins, so every run uses --pass-pipeline.)
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard-invalid.mlir --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(autoshard{grid=2x4 memory-budget=512KiB})'
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard-no-grid-invalid.mlir --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(autoshard)'
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard-verify-invalid.mlir --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-partition,autoshard-verify)'
// Warnings keep their locations too.
// RUN: %mlir-opt-autoshard %S/../lit/passes/autoshard-calls.mlir --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-partition,autoshard-verify)' 2>&1 >/dev/null | FileCheck %s --check-prefix=WARN

// WARN: autoshard-calls.mlir:{{[0-9]+}}:1: warning: @helper is called by another function and is kept replicated; run the 'inline' pass first
