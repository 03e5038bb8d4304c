// autoshard on an MLP with no annotations, only a grid option and a memory
// budget: the weights are too big to replicate (256 MiB each), so the plan is
// Megatron-like: W1 split by columns, W2 by rows, one reduce_scatter of y.
// RUN: autoshard-opt %s --autoshard='grid=8 memory-budget=160MiB' --plan-report 2>%t.report | FileCheck %s
// RUN: FileCheck %s --check-prefix=REPORT --input-file=%t.report
// RUN: autoshard-opt %s --autoshard='grid=8 memory-budget=160MiB' | mlir-opt > /dev/null
// Determinism: the same input and options give byte-identical output.
// RUN: autoshard-opt %s --autoshard='grid=2x4 memory-budget=160MiB' > %t.a
// RUN: autoshard-opt %s --autoshard='grid=2x4 memory-budget=160MiB' > %t.b
// RUN: diff %t.a %t.b

// CHECK: shard.grid @grid(shape = 8)
// CHECK-DAG: %[[COL:.*]] = shard.sharding @grid split_axes = {{\[\[}}], [], [0]] : !shard.sharding
// CHECK-DAG: %[[ROW:.*]] = shard.sharding @grid split_axes = {{\[\[}}], [0]] : !shard.sharding
// CHECK-DAG: %[[PART:.*]] = shard.sharding @grid split_axes = {{\[\[}}]] {autoshard.partial_axes = array<i16: 0>, autoshard.partial_kind = "sum"} : !shard.sharding
// CHECK-DAG: %[[W1:.*]] = shard.shard %arg1 to %[[COL]] : tensor<1x4096x16384xf32>
// CHECK-DAG: %[[W2:.*]] = shard.shard %arg2 to %[[ROW]] : tensor<1x16384x4096xf32>
// CHECK: %[[H:.*]] = tosa.matmul %{{.*}}, %[[W1]]
// CHECK: %[[Y:.*]] = tosa.matmul %{{.*}}, %[[W2]]
// CHECK: %[[YP:.*]] = shard.shard %[[Y]] to %[[PART]]
// CHECK: %[[YR:.*]] = shard.shard %[[YP]] to %[[ROW]] annotate_for_users
// CHECK: return %[[YR]]

// REPORT: autoshard plan for @mlp on grid @grid (8)
// REPORT: tosa.matmul {{.*}} n:[0]
// REPORT: tosa.matmul {{.*}} k:[0] {{.*}} partial=sum[0]
// REPORT: total modelled cost: [[COST:[0-9.]+]] us
// REPORT: peak memory per device: {{.*}} MiB of budget 160.00 MiB
// REPORT: baseline megatron: {{[0-9.]+}} us (autoshard / baseline = 1.0000)

func.func @mlp(%x: tensor<1x1024x4096xf32>, %w1: tensor<1x4096x16384xf32>, %w2: tensor<1x16384x4096xf32>) -> tensor<1x1024x4096xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %h = tosa.matmul %x, %w1, %zp, %zp : (tensor<1x1024x4096xf32>, tensor<1x4096x16384xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1024x16384xf32>
  %r = tosa.clamp %h {min_val = 0.0 : f32, max_val = 3.40282347e38 : f32} : (tensor<1x1024x16384xf32>) -> tensor<1x1024x16384xf32>
  %y = tosa.matmul %r, %w2, %zp, %zp : (tensor<1x1024x16384xf32>, tensor<1x16384x4096xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1024x4096xf32>
  return %y : tensor<1x1024x4096xf32>
}
