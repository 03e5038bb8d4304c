// Without a shard.grid in the module and without grid=AxB there is nothing to
// shard over; a bad grid option and a conflicting one are errors too.
// RUN: autoshard-opt %s --split-input-file --verify-diagnostics --autoshard
// RUN: not autoshard-opt %s --autoshard=grid=2xa 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not autoshard-opt %s --split-input-file --autoshard=grid=4 2>&1 | FileCheck %s --check-prefix=CONFLICT
// BAD: error: invalid value '2xa' for option 'grid' of pass 'autoshard': grid shape '2xa' is not of the form 2x4
// CONFLICT: autoshard-no-grid-invalid.mlir:[[@LINE+11]]:1: error: option grid=4 conflicts with the module's grid '@g' of shape 2x2

module {
  // expected-error @below {{the module has no shard.grid; give one with the pass option grid=AxB}}
  func.func @no_grid(%x: tensor<8xf32>) -> tensor<8xf32> {
    return %x : tensor<8xf32>
  }
}

// -----

shard.grid @g(shape = 2x2)
func.func @has_grid(%x: tensor<8xf32>) -> tensor<8xf32> {
  return %x : tensor<8xf32>
}

// Option values out of range are errors too.
// RUN: not autoshard-opt %s --autoshard='grid=2 time-limit=0' 2>&1 | FileCheck %s --check-prefix=TIME
// RUN: not autoshard-opt %s --autoshard='grid=2 threads=0' 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not autoshard-opt %s --autoshard='grid=2 memory-budget=lots' 2>&1 | FileCheck %s --check-prefix=BUDGET
// TIME: autoshard-opt: error: invalid value '0.0' for option 'time-limit' of pass 'autoshard': expects a finite positive number
// THREADS: autoshard-opt: error: invalid value '0' for option 'threads' of pass 'autoshard': expects an integer from 1 to 256
// BUDGET: autoshard-opt: error: invalid value 'lots' for option 'memory-budget' of pass 'autoshard': expects a size such as 160MiB or 2GB
