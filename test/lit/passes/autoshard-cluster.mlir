// cluster=FILE: per-axis alpha/beta change the plan; a bad file is an error.
// Axis 1 is 10x slower than axis 0, so the tensor-parallel split (which pays an
// all_reduce or reduce_scatter of y) goes on the fast axis 0.
// RUN: autoshard-opt %s --autoshard="grid=2x2 memory-budget=400MiB cluster=%S/Inputs/cluster-2d.json" --plan-report 2>&1 >/dev/null | FileCheck %s
// RUN: not autoshard-opt %s --autoshard="grid=2x2 cluster=%S/Inputs/bad-cluster.json" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not autoshard-opt %s --autoshard="grid=2x2 cluster=%S/Inputs/missing.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// CHECK: tosa.matmul {{.*}} m:[1], n:[0]
// CHECK: tosa.matmul {{.*}} m:[1], k:[0]
// BAD: error: {{.*}}bad-cluster.json: cluster 'axes[0].beta' must be a non-negative number, got 'fast'
// MISSING: error: cannot read cluster file '{{.*}}missing.json': No such file or directory

func.func @mlp(%x: tensor<1x1024x4096xf32>, %w1: tensor<1x4096x16384xf32>, %w2: tensor<1x16384x4096xf32>) -> tensor<1x1024x4096xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %h = tosa.matmul %x, %w1, %zp, %zp : (tensor<1x1024x4096xf32>, tensor<1x4096x16384xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1024x16384xf32>
  %r = tosa.clamp %h {min_val = 0.0 : f32, max_val = 3.40282347e38 : f32} : (tensor<1x1024x16384xf32>) -> tensor<1x1024x16384xf32>
  %y = tosa.matmul %r, %w2, %zp, %zp : (tensor<1x1024x16384xf32>, tensor<1x16384x4096xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1024x4096xf32>
  return %y : tensor<1x1024x4096xf32>
}
