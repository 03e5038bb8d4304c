// autoshard-to-mpi's output is for stock MLIR 22: the SPMD module with every
// collective lowered (here all five kinds on a 2x4 grid, and the GPT-2-style
// MLP plan of examples/mlp_small.mlir) goes to the LLVM dialect through
// upstream `mlir-opt` passes alone; nothing of the shard dialect but the
// grid symbol is left, and every message is an MPI_Send / MPI_Recv on a
// communicator from MPI_Comm_split.
// RUN: autoshard-opt %S/kinds-2d.mlir --pass-pipeline='builtin.module(autoshard-partition,autoshard-to-mpi)' > %t.mpi.mlir
// RUN: FileCheck %s --check-prefix=MPI < %t.mpi.mlir
// MPI: module attributes {dlti.map = #dlti.map<"MPI:Implementation" = "MPICH">}
// MPI-NOT: shard.all_
// MPI-NOT: shard.reduce_scatter
// MPI: call @__autoshard_mpi_all_to_all_0
// MPI: func.func private @__autoshard_mpi_all_to_all_0
// MPI: mpi.comm_split
// MPI: mpi.send
// MPI: mpi.recv
// RUN: mlir-opt %t.mpi.mlir --pass-pipeline='builtin.module(convert-shard-to-mpi,func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,tosa-to-tensor),one-shot-bufferize{bufferize-function-boundaries},func.func(convert-linalg-to-loops),expand-strided-metadata,lower-affine,finalize-memref-to-llvm,convert-scf-to-cf,convert-cf-to-llvm,convert-arith-to-llvm,convert-func-to-llvm,convert-to-llvm,reconcile-unrealized-casts)' | FileCheck %s --check-prefix=LLVM
// LLVM-DAG: llvm.func @MPI_Send(
// LLVM-DAG: llvm.func @MPI_Recv(
// LLVM-DAG: llvm.func @MPI_Comm_split(
// LLVM-NOT: {{ (mpi|tosa|linalg|memref|tensor|scf|arith)\.}}
// RUN: autoshard-opt %S/../../../examples/mlp_small.mlir --pass-pipeline='builtin.module(autoshard{grid=2x4 memory-budget=12KiB},autoshard-partition,autoshard-to-mpi)' | mlir-opt --pass-pipeline='builtin.module(convert-shard-to-mpi,func.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-arith,tosa-to-tensor),one-shot-bufferize{bufferize-function-boundaries},func.func(convert-linalg-to-loops),expand-strided-metadata,lower-affine,finalize-memref-to-llvm,convert-scf-to-cf,convert-cf-to-llvm,convert-arith-to-llvm,convert-func-to-llvm,convert-to-llvm,reconcile-unrealized-casts)' | FileCheck %s --check-prefix=MLP
// MLP: llvm.func @mlp(
// MLP: llvm.call @__autoshard_mpi_reduce_scatter_0(
// MLP-NOT: {{ (mpi|tosa|linalg|memref|tensor|scf|arith)\.}}
