// The TFLite MLP of ../shared/corpus/tflite/mlp.fp32.tosa.mlir (Dense
// 1024 -> 4096, tanh-GELU, Dense 4096 -> 1024 on a 4x128x1024 input) with
// its two 1x1 tosa.conv2d layers written as tosa.matmul at the same shapes.
func.func @main(%arg0: tensor<4x128x1024xf32>) -> tensor<4x128x1024xf32> {
  %zp = "tosa.const"() <{values = dense<0.000000e+00> : tensor<1xf32>}> : () -> tensor<1xf32>
  %w1 = "tosa.const"() <{values = dense_resource<__elided__> : tensor<1x1024x4096xf32>}> : () -> tensor<1x1024x4096xf32>
  %w2 = "tosa.const"() <{values = dense_resource<__elided__> : tensor<1x4096x1024xf32>}> : () -> tensor<1x4096x1024xf32>
  %half = "tosa.const"() <{values = dense<5.000000e-01> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %one = "tosa.const"() <{values = dense<1.000000e+00> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %c = "tosa.const"() <{values = dense<0.797884583> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %k = "tosa.const"() <{values = dense<4.471500e-02> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %three = "tosa.const"() <{values = dense<3.000000e+00> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %s_in = tosa.const_shape {values = dense<[1, 512, 1024]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s_mid = tosa.const_shape {values = dense<[4, 128, 4096]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s_mid2 = tosa.const_shape {values = dense<[1, 512, 4096]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %s_out = tosa.const_shape {values = dense<[4, 128, 1024]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %0 = tosa.reshape %arg0, %s_in : (tensor<4x128x1024xf32>, !tosa.shape<3>) -> tensor<1x512x1024xf32>
  %1 = tosa.matmul %0, %w1, %zp, %zp : (tensor<1x512x1024xf32>, tensor<1x1024x4096xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x512x4096xf32>
  %2 = tosa.reshape %1, %s_mid : (tensor<1x512x4096xf32>, !tosa.shape<3>) -> tensor<4x128x4096xf32>
  %3 = tosa.pow %2, %three : (tensor<4x128x4096xf32>, tensor<1x1x1xf32>) -> tensor<4x128x4096xf32>
  %4 = tosa.mul %3, %k, %shift : (tensor<4x128x4096xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<4x128x4096xf32>
  %5 = tosa.add %2, %4 : (tensor<4x128x4096xf32>, tensor<4x128x4096xf32>) -> tensor<4x128x4096xf32>
  %6 = tosa.mul %5, %c, %shift : (tensor<4x128x4096xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<4x128x4096xf32>
  %7 = tosa.tanh %6 : (tensor<4x128x4096xf32>) -> tensor<4x128x4096xf32>
  %8 = tosa.add %7, %one : (tensor<4x128x4096xf32>, tensor<1x1x1xf32>) -> tensor<4x128x4096xf32>
  %9 = tosa.mul %2, %half, %shift : (tensor<4x128x4096xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<4x128x4096xf32>
  %10 = tosa.mul %9, %8, %shift : (tensor<4x128x4096xf32>, tensor<4x128x4096xf32>, tensor<1xi8>) -> tensor<4x128x4096xf32>
  %11 = tosa.reshape %10, %s_mid2 : (tensor<4x128x4096xf32>, !tosa.shape<3>) -> tensor<1x512x4096xf32>
  %12 = tosa.matmul %11, %w2, %zp, %zp : (tensor<1x512x4096xf32>, tensor<1x4096x1024xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x512x1024xf32>
  %13 = tosa.reshape %12, %s_out : (tensor<1x512x1024xf32>, !tosa.shape<3>) -> tensor<4x128x1024xf32>
  return %13 : tensor<4x128x1024xf32>
}
