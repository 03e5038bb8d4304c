// What the numerical check cannot run on is a located error, not a crash;
// autoshard and autoshard-partition pass dynamic and unranked tensors through
// (a dynamic dim is never split; a static one may be), and the check runs a
// dynamic dimension at a size (autoshard-verify{dynamic-dim-size}).
// RUN: autoshard-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-partition,autoshard-verify)'
// RUN: autoshard-opt %s --split-input-file --pass-pipeline='builtin.module(autoshard{grid=4},autoshard-partition)' | FileCheck %s
// CHECK: tosa.exp %arg0 : (tensor<?x{{[0-9]+}}xf32>) -> tensor<?x{{[0-9]+}}xf32>
// CHECK: func.func @unranked(%arg0: tensor<*xf32>, %arg1: tensor<{{[0-9]+}}xf32>

// expected-warning @below {{has dynamic dimension [0]}}
func.func @dynamic(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %e = tosa.exp %x : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %e : tensor<?x8xf32>
}

// -----

// expected-error @below {{numerical check could not run: cannot make a random value of type tensor<*xf32> (argument 0)}}
func.func @unranked(%x: tensor<*xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %e = tosa.exp %y : (tensor<4xf32>) -> tensor<4xf32>
  return %e : tensor<4xf32>
}
