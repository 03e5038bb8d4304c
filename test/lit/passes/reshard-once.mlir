// A value that several consumers need in the same new layout is resharded
// once in the SPMD program (q, k and v all read the gathered x).
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify)' | FileCheck %s
// CHECK-COUNT-1: shard.all_gather
// CHECK-NOT: shard.all_gather
// CHECK: func.func private @autoshard.original.qkv
shard.grid @g(shape = 4)
func.func @qkv(%x: tensor<1x8x16xf32>, %wq: tensor<1x16x16xf32>, %wk: tensor<1x16x16xf32>, %wv: tensor<1x16x16xf32>) -> (tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<1x8x16xf32>) {
  %rows = shard.sharding @g split_axes = [[], [0]] : !shard.sharding
  %cols = shard.sharding @g split_axes = [[], [], [0]] : !shard.sharding
  %whole = shard.sharding @g split_axes = [[]] : !shard.sharding
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %xs = shard.shard %x to %rows : tensor<1x8x16xf32>
  %x1 = shard.shard %xs to %whole annotate_for_users : tensor<1x8x16xf32>
  %x2 = shard.shard %xs to %whole annotate_for_users : tensor<1x8x16xf32>
  %x3 = shard.shard %xs to %whole annotate_for_users : tensor<1x8x16xf32>
  %wq1 = shard.shard %wq to %cols annotate_for_users : tensor<1x16x16xf32>
  %wk1 = shard.shard %wk to %cols annotate_for_users : tensor<1x16x16xf32>
  %wv1 = shard.shard %wv to %cols annotate_for_users : tensor<1x16x16xf32>
  %q = tosa.matmul %x1, %wq1, %zp, %zp : (tensor<1x8x16xf32>, tensor<1x16x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x16xf32>
  %k = tosa.matmul %x2, %wk1, %zp, %zp : (tensor<1x8x16xf32>, tensor<1x16x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x16xf32>
  %v = tosa.matmul %x3, %wv1, %zp, %zp : (tensor<1x8x16xf32>, tensor<1x16x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x16xf32>
  %qs = shard.shard %q to %cols : tensor<1x8x16xf32>
  %ks = shard.shard %k to %cols : tensor<1x8x16xf32>
  %vs = shard.shard %v to %cols : tensor<1x8x16xf32>
  return %qs, %ks, %vs : tensor<1x8x16xf32>, tensor<1x8x16xf32>, tensor<1x8x16xf32>
}
