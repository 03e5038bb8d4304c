"""Shard collectives in the simulator: hand-written expectations on 1-D and
2-D grids (through MLIR, so attribute decoding is covered too) and algebraic
identities between collectives."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_sim_util import parse

from autoshard.sim import SimError, run_function, run_spmd
from autoshard.sim import collectives as coll


def one_op(grid: str, op: str, tin: str, tout: str, paren: bool = False):
    """A module whose @f applies one collective `op` (text up to the colon)."""
    sig = f"({tin}) -> {tout}" if paren else f"{tin} -> {tout}"
    return parse(
        f"""
shard.grid @g(shape = {grid})
func.func @f(%t: {tin}) -> {tout} {{
  %0 = {op} : {sig}
  return %0 : {tout}
}}"""
    )


def spmd1(module, inputs: dict) -> dict:
    """run_spmd for a one-argument, one-result @f."""
    return {d: outs[0] for d, outs in run_spmd(module, "f", {d: [x] for d, x in inputs.items()}).items()}


def grid_values(shape, fn, dtype=np.float32):
    return {d: np.asarray(fn(*d), dtype=dtype) for d in itertools.product(*map(range, shape))}


# --- all_gather ------------------------------------------------------------------


def test_all_gather_1d():
    m = one_op("4", "shard.all_gather %t on @g grid_axes = [0] gather_axis = 1", "tensor<2x1xf32>", "tensor<2x4xf32>")
    out = spmd1(m, grid_values((4,), lambda i: [[i], [10 + i]]))
    for d in [(0,), (1,), (2,), (3,)]:
        np.testing.assert_array_equal(out[d], [[0, 1, 2, 3], [10, 11, 12, 13]])


@pytest.mark.parametrize(
    "axes, expected",
    [
        # device (i, j) holds 10*i + j
        ("[1]", {0: [0, 1, 2], 1: [10, 11, 12]}),  # per grid row i
        ("[0, 1]", {0: [0, 1, 2, 10, 11, 12], 1: [0, 1, 2, 10, 11, 12]}),  # axis 0 most significant
        ("[1, 0]", {0: [0, 10, 1, 11, 2, 12], 1: [0, 10, 1, 11, 2, 12]}),  # axis 1 most significant
    ],
)
def test_all_gather_2d(axes, expected):
    n = len(expected[0])
    m = one_op("2x3", f"shard.all_gather %t on @g grid_axes = {axes} gather_axis = 0", "tensor<1xi32>", f"tensor<{n}xi32>")
    out = spmd1(m, grid_values((2, 3), lambda i, j: [10 * i + j], np.int32))
    for (i, j), v in out.items():
        assert v.dtype == np.int32
        assert v.tolist() == expected[i]


# --- all_slice -------------------------------------------------------------------


def test_all_slice_2d_orders():
    x = np.arange(6, dtype=np.float32)
    m10 = one_op("2x3", "shard.all_slice %t on @g grid_axes = [1, 0] slice_axis = 0", "tensor<6xf32>", "tensor<1xf32>")
    m01 = one_op("2x3", "shard.all_slice %t on @g grid_axes = [0, 1] slice_axis = 0", "tensor<6xf32>", "tensor<1xf32>")
    same = grid_values((2, 3), lambda i, j: x)
    got10 = {d: v.item() for d, v in spmd1(m10, same).items()}
    got01 = {d: v.item() for d, v in spmd1(m01, same).items()}
    assert got10 == {(0, 0): 0, (1, 0): 1, (0, 1): 2, (1, 1): 3, (0, 2): 4, (1, 2): 5}
    assert got01 == {(0, 0): 0, (0, 1): 1, (0, 2): 2, (1, 0): 3, (1, 1): 4, (1, 2): 5}


def test_all_slice_one_axis_keeps_other_coordinate_irrelevant():
    m = one_op("2x2", "shard.all_slice %t on @g grid_axes = [0] slice_axis = 1", "tensor<1x4xf32>", "tensor<1x2xf32>")
    out = spmd1(m, grid_values((2, 2), lambda i, j: [[j, j + 1, j + 2, j + 3]]))
    assert out[(0, 0)].tolist() == [[0, 1]] and out[(1, 0)].tolist() == [[2, 3]]
    assert out[(0, 1)].tolist() == [[1, 2]] and out[(1, 1)].tolist() == [[3, 4]]


# --- all_reduce ------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, fn",
    [("sum", lambda a, b: a + b), ("max", max), ("min", min), ("product", lambda a, b: a * b)],
)
def test_all_reduce_2d_over_axis_0(kind, fn):
    # device (i, j) holds 10*i + j + 1; the group of (i, j) over axis 0 is {(0, j), (1, j)}
    m = one_op("2x3", f"shard.all_reduce %t on @g grid_axes = [0] reduction = {kind}", "tensor<2xf32>", "tensor<2xf64>")
    out = spmd1(m, grid_values((2, 3), lambda i, j: [10 * i + j + 1, -(10 * i + j + 1)]))
    for (i, j), v in out.items():
        a, b = j + 1, 10 + j + 1
        assert v.dtype == np.float64  # result element type differs from the operand's
        assert v.tolist() == [fn(a, b), fn(-a, -b)]


def test_all_reduce_both_axes_sum_everything():
    m = one_op("2x3", "shard.all_reduce %t on @g grid_axes = [1, 0]", "tensor<1xi32>", "tensor<1xi32>")
    out = spmd1(m, grid_values((2, 3), lambda i, j: [10 * i + j], np.int32))
    assert {v.item() for v in out.values()} == {0 + 1 + 2 + 10 + 11 + 12}


def test_all_reduce_accumulates_wide_then_rounds_once():
    # 1 + 2^-24 + 2^-24 in f32 steps would round back to 1; wide accumulation keeps it.
    m = one_op("3", "shard.all_reduce %t on @g grid_axes = [0] reduction = sum", "tensor<1xf32>", "tensor<1xf32>")
    eps = 2.0**-24
    out = spmd1(m, {(0,): np.float32([1.0]), (1,): np.float32([eps]), (2,): np.float32([eps])})
    assert out[(0,)].item() == np.float32(1.0 + 2 * eps)


@pytest.mark.parametrize("op, tout", [
    ("shard.all_reduce %t on @g grid_axes = [0] reduction = sum", "tensor<2xf32>"),
    ("shard.reduce_scatter %t on @g grid_axes = [0] reduction = sum scatter_axis = 0", "tensor<1xf32>"),
])
def test_float64_mode_keeps_collective_sums_wide(op, tout):
    # In the float64 check (wide_floats) a sum of f32-typed partials must not
    # be rounded to f32: 2^17 + 2^-10 is exact in f64, rounds to 2^17 in f32.
    m = one_op("2", op, "tensor<2xf32>", tout)
    inputs = {(0,): [np.float64([2.0**17, 1.0])], (1,): [np.float64([2.0**-10, 2.0**-30])]}
    wide = run_spmd(m, "f", inputs, wide_floats=True)
    assert wide[(0,)][0].dtype == np.float64
    assert wide[(0,)][0][0] == 2.0**17 + 2.0**-10
    narrow = run_spmd(m, "f", {d: [x[0].astype(np.float32)] for d, x in inputs.items()})
    assert narrow[(0,)][0].dtype == np.float32 and narrow[(0,)][0][0] == np.float32(2.0**17)


# --- reduce_scatter / all_to_all / broadcast / shift --------------------------------


def test_reduce_scatter_1d():
    m = one_op("2", "shard.reduce_scatter %t on @g grid_axes = [0] reduction = sum scatter_axis = 0", "tensor<4xf32>", "tensor<2xf32>")
    out = spmd1(m, {(0,): np.float32([1, 2, 3, 4]), (1,): np.float32([10, 20, 30, 40])})
    assert out[(0,)].tolist() == [11, 22] and out[(1,)].tolist() == [33, 44]


def test_all_to_all_1d():
    m = one_op("2", "shard.all_to_all %t on @g grid_axes = [0] split_axis = 0 concat_axis = 1", "tensor<2x1xf32>", "tensor<1x2xf32>")
    out = spmd1(m, {(0,): np.float32([[0], [1]]), (1,): np.float32([[10], [11]])})
    assert out[(0,)].tolist() == [[0, 10]] and out[(1,)].tolist() == [[1, 11]]


def test_all_to_all_2d_axis_1():
    # group of (i, j) is row i; chunk k of each member goes to member k
    m = one_op("2x2", "shard.all_to_all %t on @g grid_axes = [1] split_axis = 0 concat_axis = 0", "tensor<2xi32>", "tensor<2xi32>")
    out = spmd1(m, grid_values((2, 2), lambda i, j: [100 * i + 10 * j, 100 * i + 10 * j + 1], np.int32))
    assert out[(0, 0)].tolist() == [0, 10] and out[(0, 1)].tolist() == [1, 11]
    assert out[(1, 0)].tolist() == [100, 110] and out[(1, 1)].tolist() == [101, 111]


def test_broadcast_from_root():
    m = one_op("2x2", "shard.broadcast %t on @g grid_axes = [0] root = [1]", "tensor<1xi32>", "tensor<1xi32>", paren=True)
    out = spmd1(m, grid_values((2, 2), lambda i, j: [10 * i + j], np.int32))
    assert {d: v.item() for d, v in out.items()} == {(0, 0): 10, (1, 0): 10, (0, 1): 11, (1, 1): 11}


def test_shift_rotate_and_plain():
    rot = one_op("4", "shard.shift %t on @g grid_axes = [0] shift_axis = 0 offset = 1 rotate", "tensor<1xf32>", "tensor<1xf32>")
    plain = one_op("4", "shard.shift %t on @g grid_axes = [0] shift_axis = 0 offset = 1", "tensor<1xf32>", "tensor<1xf32>")
    vals = grid_values((4,), lambda i: [i])
    assert {d[0]: v.item() for d, v in spmd1(rot, vals).items()} == {0: 3, 1: 0, 2: 1, 3: 2}
    got = {d[0]: v.item() for d, v in spmd1(plain, vals).items()}
    assert np.isnan(got.pop(0)) and got == {1: 0, 2: 1, 3: 2}  # no source: undefined -> NaN


# --- device queries -------------------------------------------------------------


def test_process_indices_and_grid_shape():
    m = parse(
        """
shard.grid @g(shape = 2x3)
func.func @f() -> (index, index, index, index, index, index) {
  %pi:2 = shard.process_multi_index on @g : index, index
  %pj = shard.process_multi_index on @g axes = [1] : index
  %li = shard.process_linear_index on @g : index
  %gs:2 = shard.grid_shape @g : index, index
  return %pi#0, %pi#1, %pj, %li, %gs#0, %gs#1 : index, index, index, index, index, index
}"""
    )
    out = run_spmd(m, "f", {d: [] for d in itertools.product(range(2), range(3))})
    for (i, j), vals in out.items():
        assert vals == [i, j, j, 3 * i + j, 2, 3]
    with pytest.raises(SimError, match="needs a device grid"):
        run_function(m, "f", [])


# --- identities (pure collectives module, random data) ---------------------------


GRID = coll.Grid("g", (2, 4))
AXES = [[0], [1], [0, 1], [1, 0]]


def random_per_device(shape, seed):
    rng = np.random.default_rng(seed)
    return {d: rng.standard_normal(shape).astype(np.float32) for d in GRID.devices()}


@pytest.mark.parametrize("axes", AXES)
@pytest.mark.parametrize("axis", [0, 1])
def test_all_gather_after_all_slice_is_identity(axes, axis):
    x = np.random.default_rng(1).standard_normal((8, 16)).astype(np.float32)
    replicated = {d: x for d in GRID.devices()}
    sliced = coll.all_slice(replicated, GRID, axes, axis)
    n = GRID.group_size(axes)
    assert all(v.shape[axis] == x.shape[axis] // n for v in sliced.values())
    back = coll.all_gather(sliced, GRID, axes, axis)
    for v in back.values():
        np.testing.assert_array_equal(v, x)


@pytest.mark.parametrize("axes", AXES)
@pytest.mark.parametrize("kind", ["sum", "max"])
def test_reduce_scatter_is_all_reduce_then_slice(axes, kind):
    vals = random_per_device((8, 4), seed=2)
    rs = coll.reduce_scatter(vals, GRID, axes, kind, 0)
    ar = coll.all_slice(coll.all_reduce(vals, GRID, axes, kind), GRID, axes, 0)
    for d in GRID.devices():
        np.testing.assert_array_equal(rs[d], ar[d])


@pytest.mark.parametrize("axes", AXES)
def test_all_to_all_round_trip(axes):
    vals = random_per_device((8, 16), seed=3)
    there = coll.all_to_all(vals, GRID, axes, 0, 1)
    n = GRID.group_size(axes)
    assert all(v.shape == (8 // n, 16 * n) for v in there.values())
    back = coll.all_to_all(there, GRID, axes, 1, 0)
    for d in GRID.devices():
        np.testing.assert_array_equal(back[d], vals[d])


def test_all_reduce_group_is_other_coordinates():
    vals = {d: np.float32([GRID.linear_index(d)]) for d in GRID.devices()}
    out = coll.all_reduce(vals, GRID, [1], "sum")
    assert out[(0, 2)].item() == 0 + 1 + 2 + 3 and out[(1, 0)].item() == 4 + 5 + 6 + 7


def test_unsimulated_reduction_is_a_located_error():
    m = one_op("3", "shard.all_reduce %t on @g grid_axes = [0] reduction = generic", "tensor<4xf32>", "tensor<4xf32>")
    with pytest.raises(SimError, match="reduction 'generic' is not simulated") as e:
        spmd1(m, {(i,): np.zeros(4, np.float32) for i in range(3)})
    assert e.value.loc is not None and e.value.loc.line == 4


def test_run_spmd_needs_every_device():
    m = one_op("2x2", "shard.all_gather %t on @g grid_axes = [0] gather_axis = 0", "tensor<1xf32>", "tensor<2xf32>")
    with pytest.raises(SimError, match=r"expected \[\(0, 0\), \(0, 1\), \(1, 0\), \(1, 1\)\]"):
        spmd1(m, {(0, 0): np.zeros(1, np.float32)})
    with pytest.raises(SimError, match="needs a device grid"):
        run_function(m, "f", [np.zeros(1, np.float32)])


def test_update_halo_1d():
    # device p: halo, core rows 10p and 10p+1, halo (halos start at -1)
    m = parse(
        """
shard.grid @g(shape = 3)
func.func @f(%t: tensor<4xf32>) -> tensor<4xf32> {
  %0 = shard.update_halo %t on @g split_axes = [[0]] halo_sizes = [1, 1] : tensor<4xf32>
  return %0 : tensor<4xf32>
}"""
    )
    out = spmd1(m, grid_values((3,), lambda p: [-1, 10 * p, 10 * p + 1, -1]))
    assert out[(0,)].tolist() == [-1, 0, 1, 10]
    assert out[(1,)].tolist() == [1, 10, 11, 20]
    assert out[(2,)].tolist() == [11, 20, 21, -1]


def test_update_halo_2d_matches_padded_global_windows():
    # global 4x6 split 2x2 (cores 2x3) with 1-wide halos: after the update every
    # device holds its window of the NaN-padded global tensor, corners included.
    g = np.arange(24, dtype=np.float32).reshape(4, 6)
    padded = np.pad(g, 1, constant_values=np.nan)
    start = {}
    for i, j in itertools.product(range(2), range(2)):
        local = np.full((4, 5), np.nan, np.float32)
        local[1:3, 1:4] = g[2 * i : 2 * i + 2, 3 * j : 3 * j + 3]
        start[(i, j)] = local
    m = parse(
        """
shard.grid @g(shape = 2x2)
func.func @f(%t: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %0 = shard.update_halo %t on @g split_axes = [[0], [1]] halo_sizes = [1, 1, 1, 1] : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}"""
    )
    out = spmd1(m, start)
    for (i, j), v in out.items():
        np.testing.assert_array_equal(v, padded[2 * i : 2 * i + 4, 3 * j : 3 * j + 5])


# --- identities on random grids (hypothesis) --------------------------------------

@st.composite
def grid_and_axes(draw):
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    axes = draw(st.permutations(range(len(shape))))
    axes = list(axes[: draw(st.integers(1, len(shape)))])
    return coll.Grid("g", shape), axes


@settings(max_examples=40, deadline=None)
@given(grid_and_axes(), st.integers(0, 2**31 - 1))
def test_identities_on_random_grids(ga, seed):
    grid, axes = ga
    n = grid.group_size(axes)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2 * n, 3 * n)).astype(np.float32)
    # every device of a group gets a distinct in-group index 0..n-1
    for d in grid.devices():
        assert sorted(grid.in_group_index(m, axes) for m in grid.group(d, axes)) == list(range(n))
    sliced = coll.all_slice({d: x for d in grid.devices()}, grid, axes, 1)
    for v in coll.all_gather(sliced, grid, axes, 1).values():
        np.testing.assert_array_equal(v, x)
    vals = {d: rng.standard_normal((2 * n, 3 * n)).astype(np.float32) for d in grid.devices()}
    back = coll.all_to_all(coll.all_to_all(vals, grid, axes, 0, 1), grid, axes, 1, 0)
    rs = coll.reduce_scatter(vals, grid, axes, "sum", 0)
    ar = coll.all_slice(coll.all_reduce(vals, grid, axes, "sum"), grid, axes, 0)
    for d in grid.devices():
        np.testing.assert_array_equal(back[d], vals[d])
        np.testing.assert_array_equal(rs[d], ar[d])
