"""autoshard-verify on files as frontends write them: weights as named or
elided dense_resource constants, ops whose operands have a domain (gather
indices, rescale multiplier/shift, table), integer programs compared exactly."""

import re
from pathlib import Path

import numpy as np
import pytest

from autoshard.api import run_pipeline
from autoshard.diagnostics import AutoshardError
from autoshard.ir import ir, new_context
from autoshard.sim import run_function
from autoshard.sim.domains import Domain, input_domains
from autoshard.transforms.common import functions
from autoshard.transforms.verify import VerifyPass, dyadic_inputs

SHARED = Path(__file__).parents[2].parent / "shared"
PIPELINE = "autoshard{{grid={grid}}},autoshard-partition,autoshard-verify"

GATHER = """
func.func @g(%v: tensor<2x50x16xf32>, %i: tensor<2x4x3xi64>) -> tensor<2x12x16xf32> {
  %c = tosa.cast %i : (tensor<2x4x3xi64>) -> tensor<2x4x3xi32>
  %s = tosa.const_shape {values = dense<[2, 12]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.reshape %c, %s : (tensor<2x4x3xi32>, !tosa.shape<2>) -> tensor<2x12xi32>
  %g = tosa.gather %v, %r : (tensor<2x50x16xf32>, tensor<2x12xi32>) -> tensor<2x12x16xf32>
  return %g : tensor<2x12x16xf32>
}
"""

RESCALE = """
func.func @q(%x: tensor<4x8x32xi8>, %w: tensor<4x32x16xi8>) -> tensor<4x8x16xi8> {
  %zp8 = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %zp32 = "tosa.const"() <{values = dense<0> : tensor<1xi32>}> : () -> tensor<1xi32>
  %m = "tosa.const"() <{values = dense_resource<__elided__> : tensor<1xi32>}> : () -> tensor<1xi32>
  %sh = "tosa.const"() <{values = dense_resource<__elided__> : tensor<1xi8>}> : () -> tensor<1xi8>
  %acc = tosa.matmul %x, %w, %zp8, %zp8 : (tensor<4x8x32xi8>, tensor<4x32x16xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<4x8x16xi32>
  %y = tosa.rescale %acc, %m, %sh, %zp32, %zp8 {input_unsigned = false, output_unsigned = false, per_channel = false, rounding_mode = DOUBLE_ROUND, scale32 = true} : (tensor<4x8x16xi32>, tensor<1xi32>, tensor<1xi8>, tensor<1xi32>, tensor<1xi8>) -> tensor<4x8x16xi8>
  return %y : tensor<4x8x16xi8>
}
"""

TABLE = """
func.func @t(%x: tensor<8x16xi8>) -> tensor<8x16xi8> {
  %tab = "tosa.const"() <{values = dense_resource<__elided__> : tensor<256xi8>}> : () -> tensor<256xi8>
  %y = tosa.table %x, %tab : (tensor<8x16xi8>, tensor<256xi8>) -> tensor<8x16xi8>
  return %y : tensor<8x16xi8>
}
"""

# `bias` has a blob; `scale` is named but carries no data (as torch-mlir's
# frozen files print them) and is filled pseudo-randomly.
RESOURCES = """
func.func @b(%x: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %w = "tosa.const"() <{values = dense_resource<bias> : tensor<1x4xf32>}> : () -> tensor<1x4xf32>
  %s = "tosa.const"() <{values = dense_resource<scale> : tensor<1x4xf32>}> : () -> tensor<1x4xf32>
  %zero = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %y = tosa.add %x, %w : (tensor<8x4xf32>, tensor<1x4xf32>) -> tensor<8x4xf32>
  %z = tosa.mul %y, %s, %zero : (tensor<8x4xf32>, tensor<1x4xf32>, tensor<1xi8>) -> tensor<8x4xf32>
  return %z : tensor<8x4xf32>
}
{-#
  dialect_resources: {
    builtin: {
      bias: "0x040000000000803F000000C00000003F0000A040"
    }
  }
#-}
"""

CALL = """
func.func private @pick(%v: tensor<1x50x16xf32>, %i: tensor<1x12xi32>) -> tensor<1x12x16xf32> {
  %g = tosa.gather %v, %i : (tensor<1x50x16xf32>, tensor<1x12xi32>) -> tensor<1x12x16xf32>
  return %g : tensor<1x12x16xf32>
}
func.func @main(%v: tensor<1x50x16xf32>, %i: tensor<1x12xi32>) -> tensor<1x12x16xf32> {
  %t = tosa.identity %i : (tensor<1x12xi32>) -> tensor<1x12xi32>
  %g = func.call @pick(%v, %t) : (tensor<1x50x16xf32>, tensor<1x12xi32>) -> tensor<1x12x16xf32>
  return %g : tensor<1x12x16xf32>
}
"""

# One argument is both a divisor and a shift amount: the domains intersect.
DIV_SHIFT = """
func.func @ds(%a: tensor<8x8xi32>, %b: tensor<8x8xi32>) -> tensor<8x8xi32> {
  %q = tosa.intdiv %a, %b : (tensor<8x8xi32>, tensor<8x8xi32>) -> tensor<8x8xi32>
  %s = tosa.logical_left_shift %q, %b : (tensor<8x8xi32>, tensor<8x8xi32>) -> tensor<8x8xi32>
  return %s : tensor<8x8xi32>
}
"""

INT_ADD = """
func.func @add(%x: tensor<8x16xi32>) -> tensor<8x16xi32> {
  %c = "tosa.const"() <{values = dense<1000000> : tensor<8x16xi32>}> : () -> tensor<8x16xi32>
  %y = tosa.add %x, %c : (tensor<8x16xi32>, tensor<8x16xi32>) -> tensor<8x16xi32>
  return %y : tensor<8x16xi32>
}
"""


def _verified(text: str, grid: str = "2"):
    ctx = new_context()
    with ctx:
        module = ir.Module.parse(text)
        state = run_pipeline(module, PIPELINE.format(grid=grid))
    return state.reports[-1]


def _func(text: str):
    ctx = new_context()
    module = ir.Module.parse(text, ctx)
    return module, functions(module)[0]


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason=f"shared corpus not found at {SHARED}")
def test_frozen_torch_mlp_verifies():
    # Named (blob-less) and elided weights: the same values in both programs.
    line = _verified((SHARED / "corpus/torch/mlp.frozen.tosa.mlir").read_text(), grid="2x4")
    assert re.fullmatch(
        r"autoshard-verify @mlp: 1 result and \d+ intermediate values match on grid 2x4 \(8 devices\); "
        r"largest abs error \S+ \(rtol 1e-05, atol 1e-06\), 1 integer value equal exactly",
        line,
    ), line


def test_gather_indices_from_an_argument_through_cast_and_reshape():
    line = _verified(GATHER)
    assert line.startswith("autoshard-verify @g: 1 result and ") and "largest abs error 0 " in line
    _, f = _func(GATHER)
    domains = input_domains(f)
    assert domains.args == {1: Domain(0, 49, "indices of 'tosa.gather' (K = 50)")}
    ftype = ir.FunctionType(ir.TypeAttr(f.attributes["function_type"]).value)
    values, indices = dyadic_inputs(ftype, 0, domains=domains.args)
    assert indices.dtype == np.int64 and indices.min() >= 0 and indices.max() <= 49
    assert np.unique(indices).size > 10  # spread over the range, not a constant
    assert np.all(values * 8 == np.rint(values * 8))  # the unconstrained argument is unchanged


def test_int8_rescale_with_elided_multiplier_and_shift():
    line = _verified(RESCALE)
    assert re.fullmatch(r"autoshard-verify @q: 1 result and \d+ intermediate values match on grid 2 \(2 devices\); "
                        r"\d+ integer values equal exactly", line), line
    module, f = _func(RESCALE)
    domains = input_domains(f)
    assert sorted(d.why for d in domains.constants.values()) == ["multiplier of 'tosa.rescale'", "shift of 'tosa.rescale'"]
    ftype = ir.FunctionType(ir.TypeAttr(f.attributes["function_type"]).value)
    y = run_function(module, "q", dyadic_inputs(ftype, 0), fill_domains=domains.constants)[0]
    # A valid scale neither saturates every element nor rounds all to zero.
    assert y.dtype == np.int8 and np.unique(y).size > 5 and np.abs(y).max() < 127


def test_domains_reach_through_calls():
    assert _verified(CALL).startswith("autoshard-verify @main: 1 result and")
    module, _ = _func(CALL)
    main = functions(module)[1]
    assert input_domains(main).args == {1: Domain(0, 49, "indices of 'tosa.gather' (K = 50)")}


def test_divisor_and_shift_amount_domains_intersect():
    assert _verified(DIV_SHIFT, grid="2x2").startswith("autoshard-verify @ds: 1 result and")
    _, f = _func(DIV_SHIFT)
    assert input_domains(f).args == {1: Domain(1, 4, "divisor of 'tosa.intdiv'")}


def test_table_with_elided_entries_sees_the_whole_input_range():
    assert "1 result and" in _verified(TABLE)
    _, f = _func(TABLE)
    assert input_domains(f).args == {0: Domain(-128, 127, "input of 'tosa.table'")}


def test_named_resources_with_and_without_blob():
    line = _verified(RESOURCES)
    assert line.startswith("autoshard-verify @b: 1 result and") and "largest abs error" in line


def test_scatter_indices_are_distinct_in_each_row():
    d = Domain(0, 9, "indices", distinct_rows=6)
    x = d.draw((3, 6), np.int32, np.random.default_rng(0))
    assert x.dtype == np.int32 and all(len(set(row)) == 6 for row in x.tolist())
    assert x.min() >= 0 and x.max() <= 9
    with pytest.raises(AutoshardError, match="11 distinct values per row do not fit"):
        Domain(0, 9, "indices", distinct_rows=11).draw((11,), np.int32, np.random.default_rng(0))


def test_conflicting_domains_are_an_error():
    with pytest.raises(AutoshardError, match="no input satisfies both"):
        Domain(0, 3, "a").intersect(Domain(5, 9, "b"))
    assert Domain(0, 9, "a").intersect(Domain(2, 20, "b")) == Domain(2, 9, "b")


def test_integer_results_are_compared_exactly():
    # Off by one in 10^6 is within rtol=1e-5 of the value: a float rule would
    # accept it, the integer comparison must not.
    ctx = new_context()
    with ctx:
        module = ir.Module.parse(INT_ADD)
        state = run_pipeline(module, "autoshard{grid=2},autoshard-partition")
        VerifyPass().run(module, state)  # the untouched SPMD program passes
        assert state.reports[-1].endswith("integer values equal exactly")
        bumped = 0
        for op in functions(module)[0].regions[0].blocks[0].operations:
            if op.operation.name == "tosa.const" and "i32" in str(op.results[0].type):
                t = op.results[0].type
                data = np.full(tuple(t.shape), 1000000, np.int32)
                data.reshape(-1)[0] += 1
                op.operation.attributes["values"] = ir.DenseElementsAttr.get(data, type=t)
                bumped += 1
        assert bumped == 1
        with pytest.raises(AutoshardError, match=r"differs from the original program .*int32 values must be equal"):
            VerifyPass().run(module, state)
