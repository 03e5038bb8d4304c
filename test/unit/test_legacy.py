"""The legacy `mesh` dialect upgrade keeps line numbers and op columns."""

from pathlib import Path

from autoshard.ir import ir, new_context
from autoshard.ir.legacy import upgrade_legacy_text

SEED = (Path(__file__).resolve().parents[2] / "examples" / "seed_matmul_legacy.mlir").read_text()


def test_seed_upgrade_parses_and_keeps_lines_and_columns():
    new = upgrade_legacy_text(SEED)
    old_lines, new_lines = SEED.split("\n"), new.split("\n")
    assert len(old_lines) == len(new_lines)
    for old, upgraded in zip(old_lines, new_lines):
        # ops start where they started: same indentation, same result name
        assert len(old) - len(old.lstrip()) == len(upgraded) - len(upgraded.lstrip())
        if " = " in old and old.lstrip().startswith("%"):
            assert upgraded.split(" = ")[0] == old.split(" = ")[0]
    module = ir.Module.parse(new, new_context())
    text = str(module)
    assert "shard.grid @mesh_2d(shape = 4x8)" in text
    assert 'autoshard.partial_axes = array<i16: 1>, autoshard.partial_kind = "sum"' in text
    assert text.count("tosa.matmul") == 1 and "tensor<1xf32>, tensor<1xf32>) -> tensor<32x1000x8192xf32>" in text


def test_legacy_sharding_op_and_collectives():
    text = """
mesh.mesh @m(shape = 2x2)
func.func @f(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %s = mesh.sharding @m split_axes = [[0]] partial = max [1] : !mesh.sharding
  %a = mesh.shard %x to %s : tensor<4x4xf32>
  %g = mesh.all_gather %a on @m mesh_axes = [0] gather_axis = 0 : tensor<4x4xf32> -> tensor<8x4xf32>
  return %a : tensor<4x4xf32>
}"""
    new = upgrade_legacy_text(text)
    module = ir.Module.parse(new, new_context())
    out = str(module)
    assert 'autoshard.partial_axes = array<i16: 1>, autoshard.partial_kind = "max"' in out
    assert "shard.all_gather %" in out and "grid_axes = [0]" in out


def test_llvm22_text_is_untouched():
    text = "shard.grid @g(shape = 2)\nfunc.func @f() {\n  return\n}\n"
    assert upgrade_legacy_text(text) == text


def test_comments_are_not_rewritten():
    text = "// mesh.mesh @m(shape = 2) is the old spelling\nshard.grid @g(shape = 2)\n"
    assert upgrade_legacy_text(text) == text
