// autoshard-run's errors are located and exit 1: a collective the lowering
// cannot handle (f16 has no MPI datatype in MLIR's MPI lowering), a rank
// count that is not the grid's, and an SPMD program that computes something
// else than the original (its reductions broken after partitioning).
// RUN: not autoshard-run %s --pass-pipeline='builtin.module(autoshard-partition)' --ranks 4 2>&1 | FileCheck %s --check-prefix=LOWER
// LOWER: errors.mlir:[[@LINE+14]]:9: error: cannot lower 'shard.all_gather' to MPI: element type f16 has no MPI datatype in MLIR's MPI lowering (supported: f32, f64, i1, i8, i16, i32, i64)
// LOWER-NOT: Traceback
// RUN: not autoshard-run %s --pass-pipeline='builtin.module(autoshard-partition)' --ranks 3 2>&1 | FileCheck %s --check-prefix=RANKS
// RANKS: autoshard-run: error: --ranks 3, but the SPMD program runs on grid @g (4) of 4 devices: use --ranks 4
// RUN: not autoshard-run %S/kinds-1d.mlir --load-pass-plugin=%S/../passes/Inputs/corrupt_spmd.py --pass-pipeline='builtin.module(autoshard-partition,test-break-reductions)' --ranks 4 2>&1 | FileCheck %s --check-prefix=WRONG
// WRONG: kinds-1d.mlir:{{[0-9]+}}:8: error: MPI run differs from the single process: result #0 of @kinds (the value of 'tosa.matmul') differs from the single-process run (first mismatch at index [0, 0, 0]
// WRONG-NEXT: %m = tosa.matmul
shard.grid @g(shape = 4)
func.func @half(%x: tensor<8x16xf32>) -> tensor<8x16xf16> {
  %rows = shard.sharding @g split_axes = [[0]] : !shard.sharding
  %rep = shard.sharding @g split_axes = [[]] : !shard.sharding
  %x0 = shard.shard %x to %rows : tensor<8x16xf32>
  %h = tosa.cast %x0 : (tensor<8x16xf32>) -> tensor<8x16xf16>
  %h0 = shard.shard %h to %rows : tensor<8x16xf16>
  %h1 = shard.shard %h0 to %rep annotate_for_users : tensor<8x16xf16>
  return %h1 : tensor<8x16xf16>
}
