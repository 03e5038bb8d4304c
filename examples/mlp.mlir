// y = relu(x . W1) . W2 with x 1024x4096, W1 4096x16384, W2 16384x4096 (f32), as
// rank-3 TOSA (tosa.matmul is batched). No grid, no annotations: autoshard
// chooses everything, e.g. autoshard{grid=8 memory-budget=160MiB}.
func.func @mlp(%x: tensor<1x1024x4096xf32>, %w1: tensor<1x4096x16384xf32>, %w2: tensor<1x16384x4096xf32>) -> tensor<1x1024x4096xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %h = tosa.matmul %x, %w1, %zp, %zp : (tensor<1x1024x4096xf32>, tensor<1x4096x16384xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1024x16384xf32>
  %r = tosa.clamp %h {min_val = 0.0 : f32, max_val = 3.40282347e38 : f32} : (tensor<1x1024x16384xf32>) -> tensor<1x1024x16384xf32>
  %y = tosa.matmul %r, %w2, %zp, %zp : (tensor<1x1024x16384xf32>, tensor<1x16384x4096xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x1024x4096xf32>
  return %y : tensor<1x1024x4096xf32>
}
