"""autoshard.ir.loader: locations name the real file at original lines."""

import pytest

from autoshard.diagnostics import AutoshardError, SourceLoc, source_loc
from autoshard.ir import ir, new_context
from autoshard.ir.loader import ParseError, load_module, print_module

FUNC = "func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {\n  %0 = tosa.add %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>\n  return %0 : tensor<4xf32>\n}\n"


def _first_add_loc(module):
    func = module.body.operations[0]
    add = func.regions[0].blocks[0].operations[0]
    assert add.operation.name == "tosa.add"
    return source_loc(add.location)


@pytest.mark.parametrize("prefix, line", [("// comment\n", 3), ("\n\n\n", 5)])
def test_op_locations_carry_file_and_original_line(prefix, line):
    module = load_module(prefix + FUNC, "input.mlir", new_context())
    assert _first_add_loc(module) == SourceLoc("input.mlir", line, 8)


def test_chunk_offsets_are_added():
    # A chunk starting at line 10, column 4 of the original file.
    module = load_module("\n" + FUNC, "input.mlir", new_context(), line=10, col=4)
    assert _first_add_loc(module) == SourceLoc("input.mlir", 12, 8)


def test_code_on_the_first_line_still_gets_the_file_name():
    two = FUNC + FUNC.replace("@f", "@g")
    module = load_module(two, "input.mlir", new_context())
    assert _first_add_loc(module) == SourceLoc("input.mlir", 2, 8)
    assert len(module.body.operations) == 2


def test_implicit_module_like_mlir_opt():
    ctx = new_context()
    explicit = load_module('module @m attributes {test.x = 1 : i32} {\n' + FUNC + "}\n", "m.mlir", ctx)
    assert print_module(explicit).startswith("module @m attributes {test.x = 1 : i32} {\n  func.func @f")
    wrapped = load_module(FUNC, "m.mlir", ctx)
    assert print_module(wrapped).startswith("module {\n  func.func @f")
    assert print_module(load_module("// nothing\n", "m.mlir", ctx)) == "module {\n}\n"
    assert isinstance(wrapped, ir.Module)


def test_parse_error_is_located_in_the_chunk_coordinates():
    with pytest.raises(ParseError) as info:
        load_module("\nfunc.func @f() {\n  retur\n}\n", "bad.mlir", new_context(), line=20)
    err = info.value
    assert isinstance(err, AutoshardError)
    assert err.loc == SourceLoc("bad.mlir", 22, 3)
    assert "custom op 'retur' is unknown" in err.message


def test_verifier_error_keeps_its_note():
    text = FUNC.replace("%a, %a : (tensor<4xf32>, tensor<4xf32>)", "%a, %b : (tensor<4xf32>, tensor<5xf32>)").replace(
        "(%a: tensor<4xf32>)", "(%a: tensor<4xf32>, %b: tensor<5xf32>)")
    with pytest.raises(ParseError) as info:
        load_module(text, "v.mlir", new_context())
    (diag,) = info.value.diagnostics
    assert diag.loc == SourceLoc("v.mlir", 2, 8)
    assert "broadcast-compatible" in diag.message
    assert [n.severity for n in diag.notes] == ["note"]


def test_printing_is_deterministic():
    a = print_module(load_module(FUNC, "a.mlir", new_context()))
    b = print_module(load_module(FUNC, "b.mlir", new_context()))
    assert a == b
    assert "loc(" not in a
