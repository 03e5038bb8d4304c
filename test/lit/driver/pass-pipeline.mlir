// Passes run in command-line order, from per-pass flags or --pass-pipeline
// (with options, quoting, func.func nesting and MLIR's own passes).
// RUN: autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-append-tag='tag=a' --test-append-tag --test-append-tag='tag=b times=2 upper' | FileCheck %s --check-prefix=FLAGS
// FLAGS: module attributes {test.tags = "axBB"}
// RUN: autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py -test-append-tag=tag=a -test-append-tag=tag=b | FileCheck %s --check-prefix=SINGLE-DASH
// SINGLE-DASH: module attributes {test.tags = "ab"}
// RUN: autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --pass-pipeline="builtin.module(test-append-tag{tag='c d'}, test-append-tag{tag=\"e\" upper=false},func.func(cse),canonicalize)" | FileCheck %s --check-prefix=PIPELINE
// PIPELINE: module attributes {test.tags = "c de"}
// PIPELINE: func.func @f(%[[A:.*]]: tensor<4xf32>)
// PIPELINE-NEXT: tosa.const
// PIPELINE-NEXT: %[[S:.*]] = tosa.add %[[A]], %[[A]]
// PIPELINE-NEXT: %[[P:.*]] = tosa.mul %[[S]], %[[S]],
// PIPELINE-NEXT: return %[[P]]
// MLIR's own passes work as flags too, in order with ours (function passes
// are nested implicitly, as in mlir-opt).
// RUN: autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --test-append-tag=tag=z --cse --tosa-infer-shapes --canonicalize='max-iterations=2' | FileCheck %s --check-prefix=UPSTREAM-FLAGS
// UPSTREAM-FLAGS: module attributes {test.tags = "z"}
// UPSTREAM-FLAGS-COUNT-1: tosa.add
// UPSTREAM-FLAGS-NOT: tosa.add
// An empty pipeline is a round trip.
// RUN: autoshard-opt %s --pass-pipeline='builtin.module()' | FileCheck %s --check-prefix=EMPTY
// EMPTY: func.func @f
// EMPTY-COUNT-2: tosa.add
// Printing is deterministic.
// RUN: autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --pass-pipeline='builtin.module(test-append-tag,cse)' > %t.1
// RUN: autoshard-opt %s --load-pass-plugin=%S/Inputs/driver_test_passes.py --pass-pipeline='builtin.module(test-append-tag,cse)' > %t.2
// RUN: diff %t.1 %t.2

func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {
  %s = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = tosa.mul %0, %1, %s : (tensor<4xf32>, tensor<4xf32>, tensor<1xi8>) -> tensor<4xf32>
  return %2 : tensor<4xf32>
}
