// The plugin registers the Python passes with their options (generated from
// the pass dataclasses at build time): names, kinds, help and defaults agree.
// RUN: %python %S/Inputs/check_options.py mlir-opt %plugin | FileCheck %s --check-prefix=AGREE
// Options parse as in any MLIR pass; bad ones are refused before any pass runs.
// RUN: %mlir-opt-autoshard %s --pass-pipeline='builtin.module(autoshard{grid=2x4 memory-budget=160MiB time-limit=5 threads=1})' --dump-pass-pipeline 2>&1 >/dev/null | FileCheck %s --check-prefix=DUMP
// RUN: not %mlir-opt-autoshard %s --pass-pipeline='builtin.module(autoshard{bogus=1})' 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not %mlir-opt-autoshard %s --pass-pipeline='builtin.module(autoshard{threads=two})' 2>&1 | FileCheck %s --check-prefix=TYPE
// RUN: not %mlir-opt-autoshard %s --pass-pipeline='builtin.module(autoshard{grid=4 time-limit=0})' 2>&1 | FileCheck %s --check-prefix=VALUE
// RUN: not %mlir-opt-autoshard %s --pass-pipeline='builtin.module(autoshard{grid=2xa})' 2>&1 | FileCheck %s --check-prefix=GRID

// AGREE: passes agree
// DUMP: autoshard{baseline=megatron cluster= grid=2x4 memory-budget=160MiB seed=0 threads=1 time-limit=5.000000e+00}
// UNKNOWN: no such option bogus
// TYPE: for the --threads option: 'two' value invalid for long argument
// VALUE: error: {{.*}}'time-limit'{{.*}}positive
// GRID: error: {{.*}}'2xa'

func.func @f(%x: tensor<8xf32>) -> tensor<8xf32> {
  return %x : tensor<8xf32>
}
