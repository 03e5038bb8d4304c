// The seed's example (examples/seed_matmul_legacy.mlir) with its
// annotations and grid as they are and every size scaled down:
// 32x1000x4096 @ 32x4096x8192 -> 4x8x64 @ 4x64x8 on the 4x8 mesh.
module @sharding_test {
  mesh.mesh @mesh_2d(shape = 4x8)

  func.func @matmul_on_operand_shard_batch_and_k(%arg0: tensor<4x8x64xf32>, %arg1: tensor<4x64x8xf32>) -> tensor<4x8x8xf32> {
    %sharding_annotated = mesh.shard %arg0 to <@mesh_2d, [[0], [], [1]]> annotate_for_users : tensor<4x8x64xf32>
    %sharding_annotated_0 = mesh.shard %arg1 to <@mesh_2d, [[0], [1]]> annotate_for_users : tensor<4x64x8xf32>
    %0 = tosa.matmul %sharding_annotated, %sharding_annotated_0 : (tensor<4x8x64xf32>, tensor<4x64x8xf32>) -> tensor<4x8x8xf32>
    %sharding_annotated_1 = mesh.shard %0 to <@mesh_2d, [[0]], partial = sum[1]> : tensor<4x8x8xf32>
    return %sharding_annotated_1 : tensor<4x8x8xf32>
  }
}
