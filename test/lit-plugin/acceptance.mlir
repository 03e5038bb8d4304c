// The issue's acceptance check: stock mlir-opt with the plugin runs the
// pipeline on examples/mlp.mlir, upstream and autoshard passes mixed, and
// prints byte for byte what autoshard-opt prints.
// RUN: %mlir-opt-autoshard %examples/mlp.mlir --pass-pipeline='builtin.module(func.func(canonicalize),autoshard{grid=2x4 memory-budget=160MiB},autoshard-partition)' > %t.plugin
// RUN: autoshard-opt %examples/mlp.mlir --pass-pipeline='builtin.module(func.func(canonicalize),autoshard{grid=2x4 memory-budget=160MiB},autoshard-partition)' > %t.driver
// RUN: diff %t.driver %t.plugin
// RUN: FileCheck %s --input-file=%t.plugin
// Upstream passes after autoshard's see the SPMD module.
// RUN: %mlir-opt-autoshard %examples/mlp.mlir --pass-pipeline='builtin.module(autoshard{grid=2x4 memory-budget=160MiB},autoshard-partition,cse,func.func(canonicalize))' | FileCheck %s

// CHECK: shard.grid @grid(shape = 2x4)
// CHECK: func.func @mlp(%arg0: tensor<1x512x4096xf32>
// CHECK: shard.reduce_scatter
