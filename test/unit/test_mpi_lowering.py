"""autoshard-to-mpi without running MPI: what it produces, that stock MLIR
passes take the result to the LLVM dialect, and its located errors."""

from __future__ import annotations

import pytest

from autoshard.api import run_pipeline
from autoshard.diagnostics import AutoshardError
from autoshard.ir import ir, new_context
from autoshard.tools.native import lower_to_llvm
from autoshard.transforms.mpi_collectives import Collective
from autoshard.transforms.to_mpi import _walk

SPMD = """
shard.grid @g(shape = 2x4)
func.func @f(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> (tensor<4x32xf32>, tensor<4x2xf32>, tensor<16x2xf32>, tensor<4x8xf32>, tensor<1x8xf32>) {
  %g = shard.all_gather %x on @g grid_axes = [1] gather_axis = 1 : tensor<4x8xf32> -> tensor<4x32xf32>
  %s = shard.all_slice %x on @g grid_axes = [1] slice_axis = 1 : tensor<4x8xf32> -> tensor<4x2xf32>
  %t = shard.all_to_all %y on @g grid_axes = [1] split_axis = 1 concat_axis = 0 : tensor<4x8xf32> -> tensor<16x2xf32>
  %r = shard.all_reduce %y on @g grid_axes = [0, 1] : tensor<4x8xf32> -> tensor<4x8xf32>
  %c = shard.reduce_scatter %y on @g grid_axes = [1] scatter_axis = 0 : tensor<4x8xf32> -> tensor<1x8xf32>
  return %g, %s, %t, %r, %c : tensor<4x32xf32>, tensor<4x2xf32>, tensor<16x2xf32>, tensor<4x8xf32>, tensor<1x8xf32>
}
"""


def _ops(module):
    out = []
    _walk(module.operation, out)
    return [op.name for op in out]


def _lowered(text, **options):
    ctx = new_context()
    module = ir.Module.parse(text, ctx)
    run_pipeline(module, "autoshard-to-mpi" + ("{count-bytes}" if options.get("count") else ""))
    return module


def test_every_collective_becomes_point_to_point_mpi():
    module = _lowered(SPMD, count=True)
    names = _ops(module)
    assert not [n for n in names if n.startswith("shard.") and n != "shard.grid"]
    assert names.count("mpi.comm_split") == 4  # all_slice needs no communicator
    assert "mpi.send" in names and "mpi.recv" in names
    assert "mpi.allreduce" not in names  # a ring, so bytes match the cost model
    assert 'dlti.map = #dlti.map<"MPI:Implementation" = "MPICH">' in str(module)
    assert "func.func private @autoshard_mpi_sent(i64, i64)" in str(module)


def test_the_lowered_module_goes_to_llvm_with_stock_passes():
    text = lower_to_llvm(_lowered(SPMD), "spmd.mlir")
    module = ir.Module.parse(text, new_context())
    assert all(n.startswith("llvm.") for n in _ops(module))
    assert "llvm.call @MPI_Send" in text and "llvm.call @MPI_Comm_split" in text


def test_output_is_deterministic():
    assert str(_lowered(SPMD, count=True)) == str(_lowered(SPMD, count=True))


def test_unsupported_collective_is_a_located_error():
    text = """
shard.grid @g(shape = 4)
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %b = shard.broadcast %x on @g grid_axes = [0] root = [0] : (tensor<4xf32>) -> tensor<4xf32>
  return %b : tensor<4xf32>
}
"""
    with pytest.raises(AutoshardError, match="cannot lower 'shard.broadcast' to MPI") as err:
        _lowered(text)
    assert err.value.loc is not None and err.value.loc.line == 4


def test_element_type_without_mpi_datatype_is_a_located_error():
    text = """
shard.grid @g(shape = 4)
func.func @f(%x: tensor<4xbf16>) -> tensor<16xbf16> {
  %b = shard.all_gather %x on @g grid_axes = [0] gather_axis = 0 : tensor<4xbf16> -> tensor<16xbf16>
  return %b : tensor<16xbf16>
}
"""
    with pytest.raises(AutoshardError, match="element type bf16 has no MPI datatype") as err:
        _lowered(text)
    assert err.value.loc.line == 4


def test_nothing_changes_when_one_collective_fails():
    text = """
shard.grid @g(shape = 4)
func.func @f(%x: tensor<4xf32>, %y: tensor<4xf16>) -> (tensor<16xf32>, tensor<16xf16>) {
  %a = shard.all_gather %x on @g grid_axes = [0] gather_axis = 0 : tensor<4xf32> -> tensor<16xf32>
  %b = shard.all_gather %y on @g grid_axes = [0] gather_axis = 0 : tensor<4xf16> -> tensor<16xf16>
  return %a, %b : tensor<16xf32>, tensor<16xf16>
}
"""
    ctx = new_context()
    module = ir.Module.parse(text, ctx)
    before = str(module)
    with pytest.raises(AutoshardError):
        run_pipeline(module, "autoshard-to-mpi")
    assert str(module) == before


@pytest.mark.parametrize("kind, shapes, expected", [
    ("all_gather", ((4, 8), (4, 32)), 3 / 4 * 4 * 32 * 4),
    ("reduce_scatter", ((4, 8), (1, 8)), 3 / 4 * 4 * 8 * 4),
    ("all_reduce", ((4, 8), (4, 8)), 2 * 3 / 4 * 4 * 8 * 4),
    ("all_to_all", ((4, 8), (16, 2)), 3 / 4 * 4 * 8 * 4),
    ("all_slice", ((4, 8), (4, 2)), 0),
])
def test_bytes_the_algorithms_send_are_the_cost_models(kind, shapes, expected):
    from autoshard.tools.run import model_bytes

    c = Collective(kind, (2, 4), (1,), "f32", shapes[0], shapes[1], axis=1, concat_axis=0)
    assert c.bytes_sent() == pytest.approx(expected)
    assert model_bytes(c) == pytest.approx(expected)


def test_booleans_are_bytes_on_the_loops():
    from autoshard.tools.bool_memrefs import widen_booleans

    text = """
memref.global "private" constant @c : memref<2xi1> = dense<[true, false]> {alignment = 64 : i64}
func.func @f(%m: memref<4xi1, strided<[1], offset: ?>>, %i: index) {
  %v = memref.load %m[%i] : memref<4xi1, strided<[1], offset: ?>> loc("a.mlir":3:4)
  memref.store %v, %m[%i] : memref<4xi1, strided<[1], offset: ?>>
  return
}"""
    out = widen_booleans(text)
    assert "xi1" not in out
    assert "= dense<[1, 0]>" in out
    assert '%v = arith.trunci %autoshard_byte1 : i8 to i1 loc("a.mlir":3:4)' in out
    assert "%autoshard_byte2 = arith.extui %v : i1 to i8" in out
    ir.Module.parse(out, new_context())  # still valid IR


def test_halo_exchange_is_lowered_here_and_counted():
    text = """
shard.grid @g(shape = 2x4)
func.func @f(%x: tensor<6x6xf32>) -> tensor<6x6xf32> {
  %h = shard.update_halo %x on @g split_axes = [[1], [0]] halo_sizes = [1, 1, 1, 1] : tensor<6x6xf32>
  return %h : tensor<6x6xf32>
}
"""
    module = _lowered(text, count=True)
    names = _ops(module)
    assert "shard.update_halo" not in names
    assert names.count("mpi.comm_split") == 2  # one communicator per split dimension's group
    assert names.count("func.call") == 1 + 4 * 2  # the helper; per dim and direction, two orders
    text = lower_to_llvm(module, "halo.mlir")
    assert "llvm.call @MPI_Send" in text


def test_halo_bytes_are_an_interior_ranks():
    c = Collective("update_halo", (4,), (0,), "f32", (1, 6, 8, 4), (1, 6, 8, 4), halos=((1, (0,), 1, 1),))
    assert c.bytes_sent() == 2 * 8 * 4 * 4


def test_autoshard_run_argument_errors_exit_1(capsys):
    from autoshard.tools.run import main

    assert main(["examples/mlp_small.mlir", "--ranks", "8"]) == 1
    assert "autoshard-run: error: the following arguments are required: --pass-pipeline" in capsys.readouterr().err
    assert main(["no/such.mlir", "--pass-pipeline=builtin.module(autoshard-partition)", "--ranks", "8"]) == 1
    assert "autoshard-run: error: cannot read no/such.mlir" in capsys.readouterr().err


def test_a_stock_pass_that_aborts_is_a_located_error():
    from autoshard.tools.native import lower_to_llvm_guarded

    # MPIToLLVM asserts on an element type it has no MPI datatype for.
    text = """
func.func @f(%m: memref<4xf16>) {
  %w = mpi.comm_world : !mpi.comm
  %c0 = arith.constant 0 : i32
  mpi.send(%m, %c0, %c0, %w) : memref<4xf16>, i32, i32
  return
}"""
    ctx = new_context()
    module = ir.Module.parse(text, ctx)
    where = ir.Location.file("prog.mlir", 2, 1, ctx)
    with pytest.raises(AutoshardError, match=r"a stock MLIR pass aborted \(signal 6\)") as err:
        lower_to_llvm_guarded(module, "prog.mlir", where)
    assert (err.value.loc.file, err.value.loc.line) == ("prog.mlir", 2)
