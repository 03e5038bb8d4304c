// Resharding uneven blocks and halos, from annotations: explicit
// sharded_dims_offsets are kept through elementwise ops, gathered by padding
// each block to the largest and dropping the padding (all_gather of equal
// blocks, then tosa.concat of the real ones), and sliced at each device's
// boundaries (a table of offsets read at its position); halos are filled with
// shard.update_halo and carried through elementwise ops.  Every function is
// verified.
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard-partition,autoshard-verify)' --plan-report -o %t.mlir 2> %t.report
// RUN: FileCheck %s --input-file=%t.mlir
// RUN: FileCheck %s --input-file=%t.report --check-prefix=VERIFY
// RUN: mlir-opt %t.mlir > /dev/null

shard.grid @g(shape = 4)

// CHECK-LABEL: func.func @gather_explicit(
// CHECK-SAME: %[[X:.*]]: tensor<?x4xf32>
// CHECK: %[[T:.*]] = tosa.tanh %[[X]] : (tensor<?x4xf32>) -> tensor<?x4xf32>
// CHECK: %[[Z:.*]] = "tosa.const"() <{values = dense<0.000000e+00> : tensor<3x4xf32>}>
// CHECK: %[[D:.*]] = tensor.dim %[[T]]
// CHECK: %[[P:.*]] = tensor.insert_slice %[[T]] into %[[Z]][0, 0] [%[[D]], 4] [1, 1] : tensor<?x4xf32> into tensor<3x4xf32>
// CHECK: %[[G:.*]] = shard.all_gather %[[P]] on @g grid_axes = [0] gather_axis = 0 : tensor<3x4xf32> -> tensor<12x4xf32>
// CHECK: tensor.extract_slice %[[G]][0, 0] [1, 4]
// CHECK: tensor.extract_slice %[[G]][3, 0] [3, 4]
// CHECK: tensor.extract_slice %[[G]][6, 0] [1, 4]
// CHECK: tensor.extract_slice %[[G]][9, 0] [1, 4]
// CHECK: %[[C:.*]] = tosa.concat {{.*}} {axis = 0 : i32} : (tensor<1x4xf32>, tensor<3x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<6x4xf32>
// CHECK: return %[[C]] : tensor<6x4xf32>
func.func @gather_explicit(%x: tensor<6x4xf32>) -> tensor<6x4xf32> {
  %s = shard.sharding @g split_axes = [[0]] sharded_dims_offsets = [0, 1, 4, 5, 6] : !shard.sharding
  %r = shard.sharding @g split_axes = [[]] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<6x4xf32>
  %xu = shard.shard %xs to %s annotate_for_users : tensor<6x4xf32>
  %t = tosa.tanh %xu : (tensor<6x4xf32>) -> tensor<6x4xf32>
  %ts = shard.shard %t to %s : tensor<6x4xf32>
  %tr = shard.shard %ts to %r annotate_for_users : tensor<6x4xf32>
  return %tr : tensor<6x4xf32>
}

// CHECK-LABEL: func.func @slice_balanced(
// CHECK-SAME: %[[X:.*]]: tensor<10x4xf32>
// CHECK: %[[B:.*]] = arith.constant dense<[0, 3, 6, 8, 10]> : tensor<5xindex>
// CHECK: %[[I:.*]] = shard.process_multi_index on @g axes = [0] : index
// CHECK: %[[LO:.*]] = tensor.extract %[[B]][%[[I]]] : tensor<5xindex>
// CHECK: %[[HI:.*]] = tensor.extract %[[B]][%{{.*}}] : tensor<5xindex>
// CHECK: %[[N:.*]] = arith.subi %[[HI]], %[[LO]] : index
// CHECK: tensor.extract_slice %[[X]][%[[LO]], 0] [%[[N]], 4] [1, 1] : tensor<10x4xf32> to tensor<?x4xf32>
// CHECK: return {{.*}} : tensor<?x4xf32>
func.func @slice_balanced(%x: tensor<10x4xf32>) -> tensor<10x4xf32> {
  %s = shard.sharding @g split_axes = [[0]] sharded_dims_offsets = [0, 3, 6, 8, 10] : !shard.sharding
  %xs = shard.shard %x to %s annotate_for_users : tensor<10x4xf32>
  %t = tosa.tanh %xs : (tensor<10x4xf32>) -> tensor<10x4xf32>
  %ts = shard.shard %t to %s : tensor<10x4xf32>
  return %ts : tensor<10x4xf32>
}

// A partial sum over an uneven contraction: each device multiplies its 3 or
// 2 columns, one all_reduce sums them.
// CHECK-LABEL: func.func @uneven_contraction(
// CHECK: tosa.matmul {{.*}} : (tensor<1x4x?xf32>, tensor<1x?x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4xf32>
// CHECK: shard.all_reduce {{.*}} on @g grid_axes = [0] : tensor<1x4x4xf32> -> tensor<1x4x4xf32>
func.func @uneven_contraction(%a: tensor<1x4x10xf32>, %b: tensor<1x10x4xf32>) -> tensor<1x4x4xf32> {
  %sa = shard.sharding @g split_axes = [[], [], [0]] sharded_dims_offsets = [0, 3, 6, 8, 10] : !shard.sharding
  %sb = shard.sharding @g split_axes = [[], [0]] sharded_dims_offsets = [0, 3, 6, 8, 10] : !shard.sharding
  %r = shard.sharding @g split_axes = [[]] : !shard.sharding
  %z = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %as = shard.shard %a to %sa : tensor<1x4x10xf32>
  %bs = shard.shard %b to %sb : tensor<1x10x4xf32>
  %au = shard.shard %as to %sa annotate_for_users : tensor<1x4x10xf32>
  %bu = shard.shard %bs to %sb annotate_for_users : tensor<1x10x4xf32>
  %c = tosa.matmul %au, %bu, %z, %z : (tensor<1x4x10xf32>, tensor<1x10x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4xf32>
  %cs = shard.shard %c to %r : tensor<1x4x4xf32>
  return %cs : tensor<1x4x4xf32>
}

// Halos: filled once, carried through the elementwise chain, the core
// returned.
// CHECK-LABEL: func.func @halo_chain(
// CHECK: %[[E:.*]] = tensor.empty() : tensor<5x16xf32>
// CHECK: %[[I:.*]] = tensor.insert_slice %{{.*}} into %[[E]][2, 0] [2, 16] [1, 1] : tensor<2x16xf32> into tensor<5x16xf32>
// CHECK: %[[H:.*]] = shard.update_halo %[[I]] on @g split_axes = {{\[\[}}0]] halo_sizes = [2, 1] : tensor<5x16xf32>
// CHECK: %[[A:.*]] = tosa.tanh %[[H]] : (tensor<5x16xf32>) -> tensor<5x16xf32>
// CHECK: %[[B:.*]] = tosa.abs %[[A]] : (tensor<5x16xf32>) -> tensor<5x16xf32>
// CHECK: %[[CORE:.*]] = tensor.extract_slice %[[B]][2, 0] [2, 16] [1, 1] : tensor<5x16xf32> to tensor<2x16xf32>
// CHECK: return %[[CORE]] : tensor<2x16xf32>
func.func @halo_chain(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %s = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %h = shard.sharding @g split_axes = [[0]] halo_sizes = [2, 1] : !shard.sharding
  %xs = shard.shard %x to %s : tensor<8x16xf32>
  %xh = shard.shard %xs to %h annotate_for_users : tensor<8x16xf32>
  %0 = tosa.tanh %xh : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %t0h = shard.shard %0 to %h : tensor<8x16xf32>
  %t0u = shard.shard %t0h to %h annotate_for_users : tensor<8x16xf32>
  %1 = tosa.abs %t0u : (tensor<8x16xf32>) -> tensor<8x16xf32>
  %t1h = shard.shard %1 to %h : tensor<8x16xf32>
  %t1s = shard.shard %t1h to %s annotate_for_users : tensor<8x16xf32>
  return %t1s : tensor<8x16xf32>
}

// VERIFY: autoshard-verify @gather_explicit: 1 result and 1 intermediate value match on grid 4 (4 devices)
// VERIFY: autoshard-verify @slice_balanced: 1 result and 1 intermediate value match on grid 4 (4 devices)
// VERIFY: autoshard-verify @uneven_contraction: 1 result and {{[0-9]+}} intermediate values match on grid 4 (4 devices)
// VERIFY: autoshard-verify @halo_chain: 1 result and 2 intermediate values match on grid 4 (4 devices)
