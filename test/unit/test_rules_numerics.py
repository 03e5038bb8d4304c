"""Every rule, partitioned under forced layouts and proved in the simulator:
the annotations force splits of every factor (reduced ones included), the
pipeline autoshard -> autoshard-partition -> autoshard-verify must pass."""

import re

import pytest

from autoshard.api import run_pipeline
from autoshard.ir import ir, new_context

T = "tensor<8x16xf32>"
CASES = {
    # reduced axis split: partial max / sum, finished by all_reduce
    "reduce_max_split_axis": (
        "%r = tosa.reduce_max %a {axis = 1 : i32} : (tensor<8x16xf32>) -> tensor<8x1xf32>", "[[], [1]]", "tensor<8x1xf32>"),
    "reduce_sum_split_axis": (
        "%r = tosa.reduce_sum %a {axis = 0 : i32} : (tensor<8x16xf32>) -> tensor<1x16xf32>", "[[0, 1]]", "tensor<1x16xf32>"),
    "reduce_min_other_axis": (
        "%r = tosa.reduce_min %a {axis = 0 : i32} : (tensor<8x16xf32>) -> tensor<1x16xf32>", "[[], [0, 1]]", "tensor<1x16xf32>"),
    "reshape_merge": (
        "%sh = tosa.const_shape {values = dense<[128]> : tensor<1xindex>} : () -> !tosa.shape<1>\n"
        "  %r = tosa.reshape %a, %sh : (tensor<8x16xf32>, !tosa.shape<1>) -> tensor<128xf32>", "[[0, 1]]", "tensor<128xf32>"),
    "reshape_split": (
        "%sh = tosa.const_shape {values = dense<[2, 4, 4, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>\n"
        "  %r = tosa.reshape %a, %sh : (tensor<8x16xf32>, !tosa.shape<4>) -> tensor<2x4x4x4xf32>", "[[0], [1]]", "tensor<2x4x4x4xf32>"),
    "transpose": (
        "%r = tosa.transpose %a {perms = array<i32: 1, 0>} : (tensor<8x16xf32>) -> tensor<16x8xf32>", "[[1], [0]]", "tensor<16x8xf32>"),
    "broadcast_add": (
        "%c = \"tosa.const\"() <{values = dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]]> : tensor<1x16xf32>}> : () -> tensor<1x16xf32>\n"
        "  %r = tosa.add %a, %c : (tensor<8x16xf32>, tensor<1x16xf32>) -> tensor<8x16xf32>", "[[0], [1]]", T),
    "mul_with_shift": (
        "%sh = \"tosa.const\"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>\n"
        "  %r = tosa.mul %a, %a, %sh : (tensor<8x16xf32>, tensor<8x16xf32>, tensor<1xi8>) -> tensor<8x16xf32>", "[[1], [0]]", T),
    "select_compare": (
        "%z = \"tosa.const\"() <{values = dense<0.0> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>\n"
        "  %p = tosa.greater %a, %z : (tensor<8x16xf32>, tensor<1x1xf32>) -> tensor<8x16xi1>\n"
        "  %n = tosa.negate %a, %z1, %z1 : (tensor<8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<8x16xf32>\n"
        "  %r = tosa.select %p, %a, %n : (tensor<8x16xi1>, tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>", "[[0, 1]]", T),
}


def module_text(body, split, result_type):
    return f"""
shard.grid @g(shape = 2x4)
func.func @f(%x: {T}) -> {result_type} {{
  %z1 = "tosa.const"() <{{values = dense<0.0> : tensor<1xf32>}}> : () -> tensor<1xf32>
  %s = shard.sharding @g split_axes = {split} : !shard.sharding
  %a = shard.shard %x to %s annotate_for_users : {T}
  {body}
  return %r : {result_type}
}}"""


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_partitions_exactly(name):
    module = ir.Module.parse(module_text(*CASES[name]), new_context())
    state = run_pipeline(module, "autoshard,autoshard-partition,autoshard-verify")
    assert "total modelled cost" in state.reports[0]


def test_reduce_over_split_axis_leaves_a_max_partial_for_a_collective():
    module = ir.Module.parse(module_text(*CASES["reduce_max_split_axis"]), new_context())
    run_pipeline(module, "autoshard,autoshard-partition,autoshard-verify")
    text = str(module)
    # the local reduce_max runs on the device's 4 of 16 columns; a collective with a
    # max reduction (all_reduce or reduce_scatter) finishes it
    assert re.search(r"tosa\.reduce_max %\S+ \{axis = 1 : i32\} : \(tensor<\d+x4xf32>\)", text)
    assert re.search(r"shard\.(all_reduce|reduce_scatter) .* reduction = +max", text)
