"""Every strategy of every convolution, pooling and data-movement rule,
forced by annotations on small shapes on 1-D and 2-D grids, partitions to an
SPMD program that autoshard-verify proves equal to the original.

The annotations give each operand the layout the strategy needs and the
result the layout the strategy produces (its partial axes resolved), so
autoshard-partition must recover exactly that strategy (checked) and emit
its halo exchanges, device offsets and masked biases."""

from __future__ import annotations

import re

import pytest

from autoshard.api import run_pipeline
from autoshard.graph import build_graph
from autoshard.ir import ir, new_context
from autoshard.rules import rule_for
from autoshard.sharding import Grid, Sharding

F32_ZP = '"tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>'
CONV_ATTRS = "acc_type = f32, dilation = array<i64: {d}, {d}>, pad = array<i64: {p}>, stride = array<i64: {s}, {s}>"


def conv2d(x, w, out, pad="1, 1, 1, 1", stride=1, dil=1, bias=None):
    bias = bias or f"tensor<{w.split('x')[0]}xf32>"
    attrs = CONV_ATTRS.format(d=dil, p=pad, s=stride)
    return ([f"tensor<{x}xf32>", f"tensor<{w}xf32>", bias],
            f"%r = tosa.conv2d %a0, %a1, %a2, %zp, %zp {{{attrs}}} : (tensor<{x}xf32>, tensor<{w}xf32>, {bias}, "
            f"tensor<1xf32>, tensor<1xf32>) -> tensor<{out}xf32>", f"tensor<{out}xf32>")


def shape_const(name, values):
    return (f"%{name} = tosa.const_shape {{values = dense<[{', '.join(map(str, values))}]> : "
            f"tensor<{len(values)}xindex>}} : () -> !tosa.shape<{len(values)}>\n  ")


CASES = {
    "conv2d_same": conv2d("2x8x8x4", "4x3x3x4", "2x8x8x4"),
    # Exporters pad a stride-2 conv asymmetrically so that TOSA's divisibility holds.
    "conv2d_stride2": conv2d("1x8x8x4", "8x3x3x4", "1x4x4x8", pad="1, 0, 1, 0", stride=2),
    "conv2d_2x2_stride2": conv2d("1x8x8x4", "4x2x2x4", "1x4x4x4", pad="0, 0, 0, 0", stride=2),
    "conv2d_dilated": conv2d("1x8x8x2", "2x3x3x2", "1x8x8x2", pad="2, 2, 2, 2", dil=2),
    "conv2d_bias_broadcast": conv2d("2x4x4x8", "4x1x1x8", "2x4x4x4", pad="0, 0, 0, 0", bias="tensor<1xf32>"),
    "depthwise_conv2d": (["tensor<2x8x8x4xf32>", "tensor<3x3x4x2xf32>", "tensor<8xf32>"],
                         "%r = tosa.depthwise_conv2d %a0, %a1, %a2, %zp, %zp {" + CONV_ATTRS.format(d=1, p="1, 1, 1, 1", s=1)
                         + "} : (tensor<2x8x8x4xf32>, tensor<3x3x4x2xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>)"
                         " -> tensor<2x8x8x8xf32>", "tensor<2x8x8x8xf32>"),
    "conv3d": (["tensor<1x4x4x4x4xf32>", "tensor<4x3x3x3x4xf32>", "tensor<4xf32>"],
               "%r = tosa.conv3d %a0, %a1, %a2, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1, 1>, "
               "pad = array<i64: 1, 1, 1, 1, 1, 1>, stride = array<i64: 1, 1, 1>} : (tensor<1x4x4x4x4xf32>, "
               "tensor<4x3x3x3x4xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x4x4xf32>",
               "tensor<1x4x4x4x4xf32>"),
    "transpose_conv2d": (["tensor<2x4x4x4xf32>", "tensor<4x3x3x4xf32>", "tensor<4xf32>"],
                         "%r = tosa.transpose_conv2d %a0, %a1, %a2, %zp, %zp {acc_type = f32, out_pad = array<i64: 0, 0, 0, 0>, "
                         "stride = array<i64: 2, 2>} : (tensor<2x4x4x4xf32>, tensor<4x3x3x4xf32>, tensor<4xf32>, "
                         "tensor<1xf32>, tensor<1xf32>) -> tensor<2x9x9x4xf32>", "tensor<2x9x9x4xf32>"),
    "max_pool2d_overlap": (["tensor<2x8x8x4xf32>"],
                           "%r = tosa.max_pool2d %a0 {kernel = array<i64: 3, 3>, pad = array<i64: 1, 1, 1, 1>, "
                           "stride = array<i64: 1, 1>} : (tensor<2x8x8x4xf32>) -> tensor<2x8x8x4xf32>", "tensor<2x8x8x4xf32>"),
    "max_pool2d_stride2": (["tensor<1x8x8x4xf32>"],
                           "%r = tosa.max_pool2d %a0 {kernel = array<i64: 3, 3>, pad = array<i64: 1, 0, 1, 0>, "
                           "stride = array<i64: 2, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32>", "tensor<1x4x4x4xf32>"),
    "avg_pool2d": (["tensor<2x8x8x4xf32>"],
                   "%r = tosa.avg_pool2d %a0, %zp, %zp {acc_type = f32, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, "
                   "stride = array<i64: 2, 2>} : (tensor<2x8x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x4x4xf32>",
                   "tensor<2x4x4x4xf32>"),
    "avg_pool2d_padded": (["tensor<2x8x8x4xf32>"],
                          "%r = tosa.avg_pool2d %a0, %zp, %zp {acc_type = f32, kernel = array<i64: 3, 3>, pad = array<i64: 1, 1, 1, 1>, "
                          "stride = array<i64: 1, 1>} : (tensor<2x8x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x8x8x4xf32>",
                          "tensor<2x8x8x4xf32>"),
    "slice": (["tensor<8x16xf32>"],
              shape_const("st", [2, 0]) + shape_const("sz", [4, 16])
              + "%r = tosa.slice %a0, %st, %sz : (tensor<8x16xf32>, !tosa.shape<2>, !tosa.shape<2>) -> tensor<4x16xf32>",
              "tensor<4x16xf32>"),
    "pad": (["tensor<8x6xf32>"],
            shape_const("pd", [0, 0, 1, 1]) + '%pc = "tosa.const"() <{values = dense<2.5> : tensor<1xf32>}> : () -> tensor<1xf32>\n  '
            "%r = tosa.pad %a0, %pd, %pc : (tensor<8x6xf32>, !tosa.shape<4>, tensor<1xf32>) -> tensor<8x8xf32>", "tensor<8x8xf32>"),
    "concat": (["tensor<4x8xf32>", "tensor<4x8xf32>"],
               "%r = tosa.concat %a0, %a1 {axis = 1 : i32} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x16xf32>",
               "tensor<4x16xf32>"),
    "tile_whole_copies": (["tensor<2x4xf32>"],
                          shape_const("m", [4, 1]) + "%r = tosa.tile %a0, %m : (tensor<2x4xf32>, !tosa.shape<2>) -> tensor<8x4xf32>",
                          "tensor<8x4xf32>"),
    "tile_partial_copies": (["tensor<4x2xf32>"],
                            shape_const("m", [1, 2]) + "%r = tosa.tile %a0, %m : (tensor<4x2xf32>, !tosa.shape<2>) -> tensor<4x4xf32>",
                            "tensor<4x4xf32>"),
    "reverse": (["tensor<8x4xf32>"],
                "%r = tosa.reverse %a0 {axis = 0 : i32} : (tensor<8x4xf32>) -> tensor<8x4xf32>", "tensor<8x4xf32>"),
    "gather": (["tensor<2x10x8xf32>", "tensor<2x4xi32>"],
               "%r = tosa.gather %a0, %a1 : (tensor<2x10x8xf32>, tensor<2x4xi32>) -> tensor<2x4x8xf32>", "tensor<2x4x8xf32>"),
    "scatter": (["tensor<2x10x8xf32>", "tensor<2x4x8xf32>"],
                '%idx = "tosa.const"() <{values = dense<[[1, 3, 5, 9], [0, 2, 4, 8]]> : tensor<2x4xi32>}> : () -> tensor<2x4xi32>\n  '
                "%r = tosa.scatter %a0, %idx, %a1 : (tensor<2x10x8xf32>, tensor<2x4xi32>, tensor<2x4x8xf32>) -> tensor<2x10x8xf32>",
                "tensor<2x10x8xf32>"),
    "resize_bilinear": (["tensor<2x4x4x8xf32>"],
                        shape_const("sc", [2, 1, 2, 1]) + shape_const("of", [0, 0]) + shape_const("bo", [0, 0])
                        + '%r = tosa.resize %a0, %sc, %of, %bo {mode = BILINEAR} : (tensor<2x4x4x8xf32>, !tosa.shape<4>, '
                        "!tosa.shape<2>, !tosa.shape<2>) -> tensor<2x7x7x8xf32>", "tensor<2x7x7x8xf32>"),
    "argmax": (["tensor<8x16xf32>"],
               "%r = tosa.argmax %a0 {axis = 1 : i32} : (tensor<8x16xf32>) -> tensor<8xi32>", "tensor<8xi32>"),
    "reduce_all": (["tensor<8x16xi1>"],
                   "%r = tosa.reduce_all %a0 {axis = 1 : i32} : (tensor<8x16xi1>) -> tensor<8x1xi1>", "tensor<8x1xi1>"),
    "reduce_any": (["tensor<8x16xi1>"],
                   "%r = tosa.reduce_any %a0 {axis = 0 : i32} : (tensor<8x16xi1>) -> tensor<1x16xi1>", "tensor<1x16xi1>"),
    "rescale_per_channel": (["tensor<2x4x8xi8>"],
                            '%mu = "tosa.const"() <{values = dense<[1073741824, 1500000000, 1200000000, 1900000000, 1073741824, '
                            '1300000000, 2000000000, 1100000000]> : tensor<8xi32>}> : () -> tensor<8xi32>\n  '
                            '%sh = "tosa.const"() <{values = dense<[30, 31, 32, 33, 34, 35, 36, 37]> : tensor<8xi8>}> : () -> tensor<8xi8>\n  '
                            '%iz = "tosa.const"() <{values = dense<-3> : tensor<1xi8>}> : () -> tensor<1xi8>\n  '
                            '%oz = "tosa.const"() <{values = dense<5> : tensor<1xi8>}> : () -> tensor<1xi8>\n  '
                            "%r = tosa.rescale %a0, %mu, %sh, %iz, %oz {input_unsigned = false, output_unsigned = false, "
                            "per_channel = true, rounding_mode = DOUBLE_ROUND, scale32 = true} : (tensor<2x4x8xi8>, tensor<8xi32>, "
                            "tensor<8xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<2x4x8xi8>", "tensor<2x4x8xi8>"),
    "table": (["tensor<4x8xi8>"],
              '%tb = "tosa.const"() <{values = dense<[' + ", ".join(str((i * 37) % 256 - 128) for i in range(256))
              + ']> : tensor<256xi8>}> : () -> tensor<256xi8>\n  '
              "%r = tosa.table %a0, %tb : (tensor<4x8xi8>, tensor<256xi8>) -> tensor<4x8xi8>", "tensor<4x8xi8>"),
}

GRIDS = [(4,), (2, 2)]
_KEEP_ALIVE: list = []


def _plain(types, body, result_type) -> str:
    sig = ", ".join(f"%a{i}: {t}" for i, t in enumerate(types))
    return f"func.func @f({sig}) -> {result_type} {{\n  %zp = {F32_ZP}\n  {body}\n  return %r : {result_type}\n}}\n"


def _split_text(sh: Sharding, rank: int) -> str:
    dims = sh.padded(max(rank, 1))
    return "[" + ", ".join("[" + ", ".join(map(str, a)) + "]" for a in dims) + "]"


def _strategies(name, grid_shape):
    """(rule, strategies, graph op) of the case's op on the grid."""
    text = _plain(*CASES[name])
    module = ir.Module.parse(text, new_context())
    func_op = module.body.operations[0].operation
    grid = Grid("g", grid_shape)
    graph = build_graph(func_op, grid)
    op_name = re.search(r"%r = (tosa\.\w+)", text).group(1)
    op = next(o for o in graph.ops if o.name == op_name)
    rule = rule_for(op.info)
    assert rule is not None, f"no rule for {op.name}"
    _KEEP_ALIVE.append(module)  # `op` points into it
    return rule, rule.strategies(grid), op, grid


def _annotated(name, grid, rule, strat, op) -> str:
    """The case with every argument annotated for the op's strategy and the
    result annotated with the strategy's layout (partial axes resolved)."""
    types, body, result_type = CASES[name]
    lines = [f"shard.grid @g(shape = {'x'.join(map(str, grid.shape))})",
             "func.func @f(" + ", ".join(f"%x{i}: {t}" for i, t in enumerate(types)) + f") -> {result_type} {{",
             f"  %zp = {F32_ZP}"]
    arg_of_operand = {}
    for k, v in enumerate(op.op.operands):
        if isinstance(v, ir.BlockArgument) or type(v).__name__ == "BlockArgument":
            arg_of_operand[ir.BlockArgument(v).arg_number] = k
    for i, t in enumerate(types):
        k = arg_of_operand.get(i)
        sh = rule.operand_sharding(grid, strat, k) if k is not None and k < len(rule.operands) else Sharding("g")
        rank = len(ir.RankedTensorType(op.op.operands[k].type).shape) if k is not None else 1
        lines.append(f"  %s{i} = shard.sharding @g split_axes = {_split_text(sh, rank)} : !shard.sharding")
        lines.append(f"  %a{i} = shard.shard %x{i} to %s{i} annotate_for_users : {t}")
    res = rule.result_sharding(grid, strat).without_partial()
    rank = len(ir.RankedTensorType(op.op.results[0].type).shape)
    lines.append("  " + body.replace("%r =", "%r0 ="))
    lines.append(f"  %sr = shard.sharding @g split_axes = {_split_text(res, rank)} : !shard.sharding")
    lines.append(f"  %r = shard.shard %r0 to %sr : {result_type}")
    lines.append(f"  return %r : {result_type}\n}}")
    return "\n".join(lines)


@pytest.mark.parametrize("grid_shape", GRIDS, ids=lambda g: "x".join(map(str, g)))
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_strategy_partitions_exactly(name, grid_shape):
    rule, strategies, op, grid = _strategies(name, grid_shape)
    assert len(strategies) > 1, "the rule offers no split at all"
    for strat in strategies:
        text = _annotated(name, grid, rule, strat, op)
        module = ir.Module.parse(text, new_context())
        graph = build_graph(module.body.operations[1].operation, grid)
        forced = next(o for o in graph.ops if o.name == op.name)
        seen = [c[-1].sharding if c else None for c in forced.chains]
        res_ann = Sharding("g", rule.result_sharding(grid, strat).split_axes)
        assert rule.infer_strategy(grid, seen, res_ann) == strat, rule.describe(strat)
        try:
            run_pipeline(module, "autoshard-partition,autoshard-verify")
        except Exception as err:  # name the strategy that failed
            raise AssertionError(f"{name} on {grid.shape} under {rule.describe(strat)}: {err}\n{text}") from err


def test_spatial_split_emits_a_halo_exchange():
    rule, strategies, op, grid = _strategies("conv2d_same", (4,))
    strat = next(s for s in strategies if s[1] and not any(s[i] for i in (0, 2, 3, 4)))
    module = ir.Module.parse(_annotated("conv2d_same", grid, rule, strat, op), new_context())
    run_pipeline(module, "autoshard-partition,autoshard-verify")
    text = str(module)
    assert "shard.update_halo" in text and "halo_sizes = [1, 1]" in text
    assert "pad = array<i64: 0, 0, 1, 1>" in text  # no padding left on the split dim


def test_windows_only_where_the_halo_lines_up():
    # A 'valid' 3x3 conv (8 -> 6 rows) cannot cut its input rows and output
    # rows into matching blocks: its spatial factors are never split.
    rule, strategies, _, _ = _strategies("conv2d_same", (2,))
    assert any(s[1] for s in strategies)
    CASES["conv2d_valid"] = conv2d("1x8x8x4", "4x3x3x4", "1x6x6x4", pad="0, 0, 0, 0")
    try:
        rule, strategies, _, _ = _strategies("conv2d_valid", (2,))
        assert not any(s[1] or s[2] for s in strategies)
    finally:
        del CASES["conv2d_valid"]
