// The passes run in a Python child process; when it cannot start or dies,
// the pass fails with a message saying so, and mlir-opt exits 1.
// RUN: env AUTOSHARD_PYTHON=%t.missing-python not %mlir-opt-autoshard %s --pass-pipeline='builtin.module(autoshard{grid=4})' 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: env AUTOSHARD_PYTHON=/bin/false not %mlir-opt-autoshard %s --pass-pipeline='builtin.module(autoshard{grid=4})' 2>&1 | FileCheck %s --check-prefix=DIED
// One child serves every pass and every chunk of a run.
// RUN: %mlir-opt-autoshard %s --split-input-file --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-partition)' | FileCheck %s

// MISSING: error: pass 'autoshard': cannot start the autoshard Python interpreter '{{.*}}missing-python' (set AUTOSHARD_PYTHON to one where autoshard is installed)
// DIED: error: pass 'autoshard': the autoshard Python process (/bin/false -m autoshard.plugin_entry) exited with status 1
// CHECK-COUNT-2: shard.grid @grid(shape = 4)

func.func @f(%x: tensor<8xf32>) -> tensor<8xf32> {
  %e = tosa.exp %x : (tensor<8xf32>) -> tensor<8xf32>
  return %e : tensor<8xf32>
}

// -----

func.func @g(%x: tensor<8xf32>) -> tensor<8xf32> {
  %e = tosa.exp %x : (tensor<8xf32>) -> tensor<8xf32>
  return %e : tensor<8xf32>
}
