// Errors in legacy `mesh` inline shardings point at the sharding the user
// wrote (its `<`), not at the func line the upgrade hoists it to.
// RUN: autoshard-opt %s --split-input-file --verify-diagnostics
// RUN: not autoshard-opt %s --split-input-file 2>&1 | FileCheck %s

mesh.mesh @m(shape = 2x4)
func.func @duplicated_axis(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  // CHECK: legacy-locations.mlir:[[# @LINE + 2]]:25: error: grid axis duplicated
  // expected-error @below {{grid axis duplicated}}
  %a = mesh.shard %x to <@m, [[0, 0]]> : tensor<8x8xf32>
  return %a : tensor<8x8xf32>
}

// -----

mesh.mesh @m(shape = 2x4)
func.func @unknown_grid(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %a = tosa.add %x, %x : (tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
  // CHECK: legacy-locations.mlir:[[# @LINE + 2]]:25: error: {{.*}}nope
  // expected-error @below {{nope}}
  %b = mesh.shard %a to <@nope, [[0]]> : tensor<8x8xf32>
  return %b : tensor<8x8xf32>
}
