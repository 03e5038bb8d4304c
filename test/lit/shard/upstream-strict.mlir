// autoshard-partition{upstream-strict=true} rejects what upstream's
// shard-partition rejects (its invalid_annotated.mlir, copied below, plus the
// other checks of upstream's checkFullyAnnotated), with upstream's messages,
// one located error per function, all functions of the module at once.
// RUN: autoshard-opt %s --verify-diagnostics --pass-pipeline='builtin.module(autoshard-partition{upstream-strict=true})'
// RUN: not autoshard-opt %s --pass-pipeline='builtin.module(autoshard-partition{upstream-strict=true})' -o %t.out 2>&1 | FileCheck %s
// RUN: not test -e %t.out
// CHECK-COUNT-7: upstream-strict.mlir:{{[0-9]+}}:{{[0-9]+}}: error: Cannot partition:
// CHECK-NOT: error
// Without the option the same module is completed and partitioned.
// RUN: autoshard-opt %s --pass-pipeline='builtin.module(autoshard-partition)' | FileCheck %s --check-prefix=LENIENT
// LENIENT: func.func @test_result_missing_sharding() -> (tensor<3xi32>
// LENIENT: func.func @test_multiple_users(%{{.*}}: tensor<3xi32>

shard.grid @grid(shape = 2)

// expected-error @+1 {{Cannot partition: expected a shard.shard op for block argument 0 in block 0}}
func.func @test_block_arg_missing_shard(%arg0: tensor<6xi32>) -> tensor<6xi32> {
  %sharding = shard.sharding @grid split_axes = [[0]] : !shard.sharding
  %2 = tosa.abs %arg0 : (tensor<6xi32>) -> tensor<6xi32>
  %sharded = shard.shard %2 to %sharding annotate_for_users : tensor<6xi32>
  return %2 : tensor<6xi32>
}

func.func @test_operand_missing_annotate(%arg0: tensor<6xi32>) -> tensor<6xi32> {
  %sharding = shard.sharding @grid split_axes = [[0]] : !shard.sharding
  %2 = shard.shard %arg0 to %sharding : tensor<6xi32>
  // expected-error @+1 {{Cannot partition: shard.shard for operand 0 must set 'annotate_for_users'.}}
  %3 = tosa.rsqrt %2 : (tensor<6xi32>) -> tensor<6xi32>
  %4 = tosa.rsqrt %3 : (tensor<6xi32>) -> tensor<6xi32>
  %sharded = shard.shard %4 to %sharding annotate_for_users : tensor<6xi32>
  return %sharded : tensor<6xi32>
}

func.func @test_result_missing_sharding() -> tensor<6xi32> {
  %sharding = shard.sharding @grid split_axes = [[0]] : !shard.sharding
  // expected-error @+1 {{Cannot partition: user of result 0 must be shard.shard operation.}}
  %1 = tensor.empty() : tensor<6xi32>
  %3 = tosa.rsqrt %1 : (tensor<6xi32>) -> tensor<6xi32>
  %4 = shard.shard %3 to %sharding : tensor<6xi32>
  %sharded = shard.shard %4 to %sharding annotate_for_users : tensor<6xi32>
  return %sharded : tensor<6xi32>
}

func.func @test_multiple_users(%arg0: tensor<6xi32>) -> tensor<6xi32> {
  %sharding = shard.sharding @grid split_axes = [[0]] : !shard.sharding
  %1 = shard.shard %arg0 to %sharding : tensor<6xi32>
  %2 = shard.shard %1 to %sharding annotate_for_users : tensor<6xi32>
  // expected-error @+1 {{Cannot partition: result 0 must have exactly one use.}}
  %3 = tosa.rsqrt %2 : (tensor<6xi32>) -> tensor<6xi32>
  %4 = shard.shard %3 to %sharding : tensor<6xi32>
  %sharded = shard.shard %3 to %sharding annotate_for_users : tensor<6xi32>
  return %sharded : tensor<6xi32>
}

func.func @test_result_invalid_annotate(%arg0: tensor<6xi32>) -> tensor<6xi32> {
  %sharding = shard.sharding @grid split_axes = [[0]] : !shard.sharding
  %1 = shard.shard %arg0 to %sharding : tensor<6xi32>
  %2 = shard.shard %1 to %sharding annotate_for_users : tensor<6xi32>
  // expected-error @+1 {{Cannot partition: shard.shard for result 0 must not set 'annotate_for_users'.}}
  %3 = tosa.rsqrt %2 : (tensor<6xi32>) -> tensor<6xi32>
  %sharded = shard.shard %3 to %sharding annotate_for_users : tensor<6xi32>
  return %sharded : tensor<6xi32>
}

// The other two checks upstream makes.

// expected-error @+1 {{Cannot partition: expected a single use for block argument 1 in block 0}}
func.func @two_uses_of_an_argument(%a: tensor<6xf32>, %b: tensor<6xf32>) -> tensor<6xf32> {
  %s = shard.sharding @grid split_axes = [[0]] : !shard.sharding
  %0 = shard.shard %a to %s : tensor<6xf32>
  %1 = shard.shard %b to %s : tensor<6xf32>
  %2 = shard.shard %b to %s annotate_for_users : tensor<6xf32>
  return %2 : tensor<6xf32>
}

func.func @operand_not_annotated(%a: tensor<6xf32>) -> tensor<6xf32> {
  %s = shard.sharding @grid split_axes = [[0]] : !shard.sharding
  %0 = shard.shard %a to %s : tensor<6xf32>
  %1 = shard.shard %0 to %s annotate_for_users : tensor<6xf32>
  // A constant needs no annotation itself, but its users want theirs.
  %k = "tosa.const"() {values = dense<1.0> : tensor<6xf32>} : () -> tensor<6xf32>
  // expected-error @+1 {{Cannot partition: tensor operand 1 must be defined by a shard.shard operation.}}
  %4 = tosa.add %1, %k : (tensor<6xf32>, tensor<6xf32>) -> tensor<6xf32>
  return %4 : tensor<6xf32>
}

// Fully annotated (constants and 0-d tensors need no annotation): accepted.
func.func @fully_annotated(%a: tensor<6xf32>) -> tensor<6xf32> {
  %s = shard.sharding @grid split_axes = [[0]] : !shard.sharding
  %c = tosa.const_shape {values = dense<[6]> : tensor<1xindex>} : () -> !tosa.shape<1>
  %0 = shard.shard %a to %s : tensor<6xf32>
  %1 = shard.shard %0 to %s annotate_for_users : tensor<6xf32>
  %2 = tosa.abs %1 : (tensor<6xf32>) -> tensor<6xf32>
  %3 = shard.shard %2 to %s : tensor<6xf32>
  %4 = shard.shard %3 to %s annotate_for_users : tensor<6xf32>
  return %4 : tensor<6xf32>
}
