// Region ops autoshard does not plan, each a located error and exit code 1.
// RUN: autoshard-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(autoshard-partition)'

// Control flow (scf): autoshard plans straight-line functions.
shard.grid @g(shape = 2)
func.func @loop(%x: tensor<8xf32>) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error @below {{'scf.for' has regions; ops with regions other than linalg structured ops are not supported (docs/ops.md)}}
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%a = %x) -> (tensor<8xf32>) {
    scf.yield %a : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

// A body that reads a tensor defined outside the op (its layout would be
// unknown to the op's rule; captured scalars are fine).
shard.grid @g(shape = 2)
func.func @captured_tensor(%x: tensor<8xf32>, %t: tensor<4xf32>) -> tensor<8xf32> {
  %c0 = arith.constant 0 : index
  %e = tensor.empty() : tensor<8xf32>
  // expected-error @below {{the body of 'linalg.map' uses a tensor defined outside it; pass it as an operand (captured tensors are not supported)}}
  %m = linalg.map ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>)
    (%in: f32, %out: f32) {
      %v = tensor.extract %t[%c0] : tensor<4xf32>
      %0 = arith.mulf %in, %v : f32
      linalg.yield %0 : f32
    }
  return %m : tensor<8xf32>
}

// -----

// linalg on buffers: autoshard shards tensors.
shard.grid @g(shape = 2)
func.func @on_buffers(%a: memref<8xf32>, %b: memref<8xf32>) {
  // expected-error @below {{'linalg.copy' on buffers: only linalg on tensors is supported}}
  linalg.copy ins(%a : memref<8xf32>) outs(%b : memref<8xf32>)
  return
}
