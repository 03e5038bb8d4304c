// The seed page's example, verbatim (legacy `mesh` syntax, 2-operand
// tosa.matmul, inline shardings, `partial = sum[1]`), through the main
// pipeline. The annotated form re-parses in upstream mlir-opt 22.
// RUN: autoshard-opt %s | FileCheck %s --check-prefix=UPGRADE
// RUN: autoshard-opt %s --autoshard | mlir-opt | FileCheck %s --check-prefix=ANNOTATED
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard,autoshard-partition)' | FileCheck %s --check-prefix=SPMD

// UPGRADE: shard.grid @mesh_2d(shape = 4x8)
// UPGRADE-DAG: shard.sharding @mesh_2d split_axes = {{\[\[}}0]] {autoshard.partial_axes = array<i16: 1>, autoshard.partial_kind = "sum"}
// UPGRADE-DAG: %[[ZP:.*]] = "tosa.const"() <{values = dense<0.000000e+00> : tensor<1xf32>}>
// UPGRADE: tosa.matmul %{{.*}}, %{{.*}}, %[[ZP]], %[[ZP]] : (tensor<32x1000x4096xf32>, tensor<32x4096x8192xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<32x1000x8192xf32>

// ANNOTATED-DAG: %[[S0:.*]] = shard.sharding @mesh_2d split_axes = {{\[\[}}0], [], [1]] : !shard.sharding
// ANNOTATED-DAG: %[[S1:.*]] = shard.sharding @mesh_2d split_axes = {{\[\[}}0], [1]] : !shard.sharding
// ANNOTATED-DAG: %[[SP:.*]] = shard.sharding @mesh_2d split_axes = {{\[\[}}0]] {autoshard.partial_axes = array<i16: 1>, autoshard.partial_kind = "sum"}
// ANNOTATED-DAG: %[[A0:.*]] = shard.shard %arg0 to %[[S0]] : tensor<32x1000x4096xf32>
// ANNOTATED-DAG: %[[A1:.*]] = shard.shard %arg1 to %[[S1]] : tensor<32x4096x8192xf32>
// ANNOTATED: %[[M:.*]] = tosa.matmul %[[A0]], %[[A1]]
// ANNOTATED: %[[R:.*]] = shard.shard %[[M]] to %[[SP]]
// ANNOTATED: return %[[R]]

// SPMD-LABEL: func.func @matmul_on_operand_shard_batch_and_k(
// SPMD-SAME: %arg0: tensor<8x1000x512xf32>
// SPMD-SAME: %arg1: tensor<8x512x8192xf32>
// SPMD-SAME: -> (tensor<8x1000x8192xf32> {{{.*}}autoshard.partial_axes = array<i16: 1>, autoshard.partial_kind = "sum", autoshard.split_axes = #shard<axisarray{{\[\[}}0]]>})
// SPMD-NOT: shard.all_
// SPMD-NOT: shard.reduce_scatter
// SPMD: %[[M:.*]] = tosa.matmul %arg0, %arg1, %{{.*}}, %{{.*}} : (tensor<8x1000x512xf32>, tensor<8x512x8192xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<8x1000x8192xf32>
// SPMD-NEXT: return %[[M]] : tensor<8x1000x8192xf32>

module @sharding_test {
  mesh.mesh @mesh_2d(shape = 4x8)

  func.func @matmul_on_operand_shard_batch_and_k(%arg0: tensor<32x1000x4096xf32>, %arg1: tensor<32x4096x8192xf32>) -> tensor<32x1000x8192xf32> {
    %sharding_annotated = mesh.shard %arg0 to <@mesh_2d, [[0], [], [1]]> annotate_for_users : tensor<32x1000x4096xf32>
    %sharding_annotated_0 = mesh.shard %arg1 to <@mesh_2d, [[0], [1]]> annotate_for_users : tensor<32x4096x8192xf32>
    %0 = tosa.matmul %sharding_annotated, %sharding_annotated_0 : (tensor<32x1000x4096xf32>, tensor<32x4096x8192xf32>) -> tensor<32x1000x8192xf32>
    %sharding_annotated_1 = mesh.shard %0 to <@mesh_2d, [[0]], partial = sum[1]> : tensor<32x1000x8192xf32>
    return %sharding_annotated_1 : tensor<32x1000x8192xf32>
  }
}
