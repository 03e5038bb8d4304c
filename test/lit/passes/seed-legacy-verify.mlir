// The numerical check on the seed's example, verbatim and full size (32 devices,
// a 2.1 TFLOP matmul, about 1-2 minutes and 15-18 GB of memory in the simulator).
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard,autoshard-partition,autoshard-verify)' | FileCheck %s
// CHECK: tosa.matmul %arg0, %arg1, {{.*}} : (tensor<8x1000x512xf32>, tensor<8x512x8192xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<8x1000x8192xf32>

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
