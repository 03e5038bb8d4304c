// A dynamic dimension is never split, the tensor's other dimensions may be;
// a warning names the value (was: the whole tensor unsharded, or an error
// on an annotation).
// RUN: autoshard-opt %s --verify-diagnostics --autoshard --autoshard-partition | FileCheck %s

// CHECK-LABEL: func.func @dynamic_batch
// CHECK-SAME: %arg0: tensor<?x2x16xf32> {autoshard.global_type = tensor<?x8x16xf32>
// CHECK: tosa.tanh %arg0 : (tensor<?x2x16xf32>) -> tensor<?x2x16xf32>
shard.grid @grid(shape = 4)
// expected-warning @below {{%arg0 : tensor<?x8x16xf32> has dynamic dimension [0] (and 1 more value): dynamic dimensions are never split}}
func.func @dynamic_batch(%x: tensor<?x8x16xf32>) -> tensor<?x8x16xf32> {
  %s = shard.sharding @grid split_axes = [[], [0]] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<?x8x16xf32>
  %t = tosa.tanh %xs : (tensor<?x8x16xf32>) -> tensor<?x8x16xf32>
  return %t : tensor<?x8x16xf32>
}
