"""TOSA ops in the single-device simulator, each against direct numpy or a
naive loop, plus constants, input checking, errors and a corpus model."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_sim_util import SHARED, func_type, parse

from autoshard.sim import SimError, random_inputs, run_function

ZP = '%zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>'
SHIFT0 = '%sh = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>'


def run(args: list[str], results: list[str], body: str, inputs: list) -> list:
    """Build `func.func @f(%a0: args[0], ...) -> results { body }` and run it.
    The body ends with its own `return`."""
    sig = ", ".join(f"%a{i}: {t}" for i, t in enumerate(args))
    module = parse(f"func.func @f({sig}) -> ({', '.join(results)}) {{\n{body}\n}}")
    return run_function(module, "f", inputs)


def run1(arg_types: list[str], result: str, op: str, inputs: list):
    """Run one op whose result is `result`; `op` is the text after `%r = `."""
    return run(arg_types, [result], f"{ZP}\n{SHIFT0}\n%r = {op}\nreturn %r : {result}", inputs)[0]


RNG = np.random.default_rng(0)
X23 = RNG.uniform(-2, 2, (2, 3)).astype(np.float32)
POS23 = RNG.uniform(0.1, 2, (2, 3)).astype(np.float32)
Y13 = RNG.uniform(-2, 2, (1, 3)).astype(np.float32)
T23 = "tensor<2x3xf32>"


# --- elementwise -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, ref, x",
    [
        ("exp", np.exp, X23),
        ("log", np.log, POS23),
        ("tanh", np.tanh, X23),
        ("erf", np.vectorize(math.erf), X23),
        ("sigmoid", lambda v: 1 / (1 + np.exp(-v)), X23),
        ("reciprocal", lambda v: 1 / v, POS23),
        ("rsqrt", lambda v: 1 / np.sqrt(v), POS23),
        ("abs", np.abs, X23),
        ("floor", np.floor, X23),
        ("ceil", np.ceil, X23),
        ("sin", np.sin, X23),
        ("cos", np.cos, X23),
    ],
)
def test_unary_float(name, ref, x):
    out = run1([T23], T23, f"tosa.{name} %a0 : ({T23}) -> {T23}", [x])
    assert out.dtype == np.float32 and out.shape == (2, 3)
    np.testing.assert_allclose(out, ref(x.astype(np.float64)), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "name, ref",
    [("add", np.add), ("sub", np.subtract), ("maximum", np.maximum), ("minimum", np.minimum)],
)
def test_binary_broadcast(name, ref):
    out = run1([T23, "tensor<1x3xf32>"], T23, f"tosa.{name} %a0, %a1 : ({T23}, tensor<1x3xf32>) -> {T23}", [X23, Y13])
    np.testing.assert_array_equal(out, ref(X23, Y13))


def test_mul_and_pow():
    out = run1([T23, "tensor<1x3xf32>"], T23, f"tosa.mul %a0, %a1, %sh : ({T23}, tensor<1x3xf32>, tensor<1xi8>) -> {T23}", [X23, Y13])
    np.testing.assert_array_equal(out, X23 * Y13)
    out = run1([T23, "tensor<1x3xf32>"], T23, f"tosa.pow %a0, %a1 : ({T23}, tensor<1x3xf32>) -> {T23}", [POS23, Y13])
    np.testing.assert_allclose(out, np.power(POS23.astype(np.float64), Y13), rtol=1e-6)


def test_mul_int32_shift_rounds():
    body = """%s = "tosa.const"() <{values = dense<2> : tensor<1xi8>}> : () -> tensor<1xi8>
%r = tosa.mul %a0, %a1, %s : (tensor<3xi32>, tensor<3xi32>, tensor<1xi8>) -> tensor<3xi32>
return %r : tensor<3xi32>"""
    out = run(["tensor<3xi32>"] * 2, ["tensor<3xi32>"], body, [np.int32([7, -7, 2]), np.int32([3, 3, 1])])[0]
    assert out.tolist() == [5, -5, 1]  # (21 + 2) >> 2, (-21 + 2) >> 2, (2 + 2) >> 2


def test_negate_float_and_saturating_int8():
    out = run1([T23], T23, f"tosa.negate %a0, %zp, %zp : ({T23}, tensor<1xf32>, tensor<1xf32>) -> {T23}", [X23])
    np.testing.assert_array_equal(out, -X23)
    body = """%z = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
%r = tosa.negate %a0, %z, %z : (tensor<3xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<3xi8>
return %r : tensor<3xi8>"""
    out = run(["tensor<3xi8>"], ["tensor<3xi8>"], body, [np.int8([-128, 5, 0])])[0]
    assert out.dtype == np.int8 and out.tolist() == [127, -5, 0]


def test_compare_select_logical():
    body = f"""%e = tosa.equal %a0, %a1 : ({T23}, {T23}) -> tensor<2x3xi1>
%g = tosa.greater %a0, %a1 : ({T23}, {T23}) -> tensor<2x3xi1>
%ge = tosa.greater_equal %a0, %a1 : ({T23}, {T23}) -> tensor<2x3xi1>
%n = tosa.logical_not %g : (tensor<2x3xi1>) -> tensor<2x3xi1>
%o = tosa.logical_or %e, %g : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
%an = tosa.logical_and %ge, %n : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
%s = tosa.select %g, %a0, %a1 : (tensor<2x3xi1>, {T23}, {T23}) -> {T23}
return %e, %g, %ge, %n, %o, %an, %s : tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, tensor<2x3xi1>, {T23}"""
    a = np.float32([[1, 2, 3], [4, 5, 6]])
    b = np.float32([[1, 3, 2], [4, 4, 7]])
    e, g, ge, n, o, an, s = run([T23, T23], ["tensor<2x3xi1>"] * 6 + [T23], body, [a, b])
    assert e.dtype == np.bool_
    np.testing.assert_array_equal(e, a == b)
    np.testing.assert_array_equal(g, a > b)
    np.testing.assert_array_equal(ge, a >= b)
    np.testing.assert_array_equal(n, ~(a > b))
    np.testing.assert_array_equal(o, (a == b) | (a > b))
    np.testing.assert_array_equal(an, a == b)  # >= and not > is ==
    np.testing.assert_array_equal(s, np.maximum(a, b))


def test_clamp_float_and_int():
    out = run1([T23], T23, f"tosa.clamp %a0 {{min_val = -0.5 : f32, max_val = 1.0 : f32}} : ({T23}) -> {T23}", [X23])
    np.testing.assert_array_equal(out, np.clip(X23, -0.5, 1.0))
    out = run1(["tensor<4xi32>"], "tensor<4xi32>", "tosa.clamp %a0 {min_val = 0 : i32, max_val = 6 : i32} : (tensor<4xi32>) -> tensor<4xi32>", [np.int32([-3, 2, 6, 9])])
    assert out.tolist() == [0, 2, 6, 6]


def test_cast_rounds_saturates_and_converts():
    x = np.float32([2.5, -3.5, 300, -300, np.nan, 1.49])
    out = run1(["tensor<6xf32>"], "tensor<6xi8>", "tosa.cast %a0 : (tensor<6xf32>) -> tensor<6xi8>", [x])
    assert out.dtype == np.int8 and out.tolist() == [2, -4, 127, -128, 0, 1]
    out = run1(["tensor<3xi32>"], "tensor<3xi1>", "tosa.cast %a0 : (tensor<3xi32>) -> tensor<3xi1>", [np.int32([0, 5, -1])])
    assert out.tolist() == [False, True, True]
    out = run1(["tensor<2xi1>"], "tensor<2xf32>", "tosa.cast %a0 : (tensor<2xi1>) -> tensor<2xf32>", [np.array([True, False])])
    assert out.dtype == np.float32 and out.tolist() == [1.0, 0.0]
    # bf16 is held as float32 rounded to bf16 (8-bit significand), ties to even
    x = np.float32([1 + 2**-8, 1 + 3 * 2**-8, 1 + 2**-6])
    out = run1(["tensor<3xf32>"], "tensor<3xbf16>", "tosa.cast %a0 : (tensor<3xf32>) -> tensor<3xbf16>", [x])
    assert out.dtype == np.float32 and out.tolist() == [1.0, 1 + 2**-6, 1 + 2**-6]


# --- data movement -----------------------------------------------------------------


def test_reshape_transpose_slice_concat_tile_pad_reverse():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    t = "tensor<2x3x4xf32>"
    body = f"""%s6 = tosa.const_shape {{values = dense<[6, 4]> : tensor<2xindex>}} : () -> !tosa.shape<2>
%rs = tosa.reshape %a0, %s6 : ({t}, !tosa.shape<2>) -> tensor<6x4xf32>
%tr = tosa.transpose %a0 {{perms = array<i32: 2, 0, 1>}} : ({t}) -> tensor<4x2x3xf32>
%b = tosa.const_shape {{values = dense<[1, 0, 1]> : tensor<3xindex>}} : () -> !tosa.shape<3>
%z = tosa.const_shape {{values = dense<[1, 2, 3]> : tensor<3xindex>}} : () -> !tosa.shape<3>
%sl = tosa.slice %a0, %b, %z : ({t}, !tosa.shape<3>, !tosa.shape<3>) -> tensor<1x2x3xf32>
%cc = tosa.concat %a0, %a0 {{axis = 1 : i32}} : ({t}, {t}) -> tensor<2x6x4xf32>
%m = tosa.const_shape {{values = dense<[1, 2, 1]> : tensor<3xindex>}} : () -> !tosa.shape<3>
%ti = tosa.tile %a0, %m : ({t}, !tosa.shape<3>) -> tensor<2x6x4xf32>
%p = tosa.const_shape {{values = dense<[0, 1, 2, 0, 1, 1]> : tensor<6xindex>}} : () -> !tosa.shape<6>
%pc = "tosa.const"() <{{values = dense<-1.0> : tensor<1xf32>}}> : () -> tensor<1xf32>
%pd = tosa.pad %a0, %p, %pc : ({t}, !tosa.shape<6>, tensor<1xf32>) -> tensor<3x5x6xf32>
%rv = tosa.reverse %a0 {{axis = 2 : i32}} : ({t}) -> {t}
return %rs, %tr, %sl, %cc, %ti, %pd, %rv : tensor<6x4xf32>, tensor<4x2x3xf32>, tensor<1x2x3xf32>, tensor<2x6x4xf32>, tensor<2x6x4xf32>, tensor<3x5x6xf32>, {t}"""
    results = ["tensor<6x4xf32>", "tensor<4x2x3xf32>", "tensor<1x2x3xf32>", "tensor<2x6x4xf32>", "tensor<2x6x4xf32>", "tensor<3x5x6xf32>", t]
    rs, tr, sl, cc, ti, pd, rv = run([t], results, body, [x])
    np.testing.assert_array_equal(rs, x.reshape(6, 4))
    np.testing.assert_array_equal(tr, x.transpose(2, 0, 1))
    np.testing.assert_array_equal(sl, x[1:2, 0:2, 1:4])
    np.testing.assert_array_equal(cc, np.concatenate([x, x], axis=1))
    np.testing.assert_array_equal(ti, np.tile(x, (1, 2, 1)))
    np.testing.assert_array_equal(pd, np.pad(x, [(0, 1), (2, 0), (1, 1)], constant_values=-1))
    np.testing.assert_array_equal(rv, x[:, :, ::-1])


# --- reductions ----------------------------------------------------------------------


@pytest.mark.parametrize("name, ref", [("sum", np.sum), ("max", np.max), ("min", np.min), ("product", np.prod)])
@pytest.mark.parametrize("axis", [0, 1])
def test_reduce_keeps_rank(name, ref, axis):
    shape = [1, 3] if axis == 0 else [2, 1]
    rt = f"tensor<{shape[0]}x{shape[1]}xf32>"
    out = run1([T23], rt, f"tosa.reduce_{name} %a0 {{axis = {axis} : i32}} : ({T23}) -> {rt}", [X23])
    np.testing.assert_allclose(out, ref(X23.astype(np.float64), axis=axis, keepdims=True), rtol=1e-6)


def test_argmax_drops_axis():
    x = np.float32([[1, 5, 5], [7, 0, 2]])
    out = run1([T23], "tensor<2xi32>", f"tosa.argmax %a0 {{axis = 1 : i32}} : ({T23}) -> tensor<2xi32>", [x])
    assert out.dtype == np.int32 and out.tolist() == [1, 0]


# --- matmul / conv / pool --------------------------------------------------------------


def test_matmul_batched_f32():
    a = RNG.standard_normal((2, 3, 5)).astype(np.float32)
    b = RNG.standard_normal((2, 5, 4)).astype(np.float32)
    out = run1(
        ["tensor<2x3x5xf32>", "tensor<2x5x4xf32>"], "tensor<2x3x4xf32>",
        "tosa.matmul %a0, %a1, %zp, %zp : (tensor<2x3x5xf32>, tensor<2x5x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x3x4xf32>",
        [a, b],
    )
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.matmul(a.astype(np.float64), b).astype(np.float32))


def test_matmul_int8_zero_points():
    body = """%za = "tosa.const"() <{values = dense<3> : tensor<1xi8>}> : () -> tensor<1xi8>
%zb = "tosa.const"() <{values = dense<-2> : tensor<1xi8>}> : () -> tensor<1xi8>
%r = tosa.matmul %a0, %a1, %za, %zb : (tensor<1x2x3xi8>, tensor<1x3x2xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x2x2xi32>
return %r : tensor<1x2x2xi32>"""
    a = RNG.integers(-128, 128, (1, 2, 3)).astype(np.int8)
    b = RNG.integers(-128, 128, (1, 3, 2)).astype(np.int8)
    out = run(["tensor<1x2x3xi8>", "tensor<1x3x2xi8>"], ["tensor<1x2x2xi32>"], body, [a, b])[0]
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, (a.astype(np.int64) - 3) @ (b.astype(np.int64) + 2))


def naive_conv2d(x, w, bias, stride, dilation, pad):
    n, ih, iw, c = x.shape
    o, kh, kw, _ = w.shape
    (sy, sx), (dy, dx), (pt, pb, pl, pr) = stride, dilation, pad
    oh = (ih - 1 + pt + pb - (kh - 1) * dy) // sy + 1
    ow = (iw - 1 + pl + pr - (kw - 1) * dx) // sx + 1
    out = np.zeros((n, oh, ow, o))
    for b, oy, ox, oc in np.ndindex(n, oh, ow, o):
        acc = bias[oc]
        for ky, kx, ic in np.ndindex(kh, kw, c):
            iy, ix = oy * sy - pt + ky * dy, ox * sx - pl + kx * dx
            if 0 <= iy < ih and 0 <= ix < iw:
                acc += float(x[b, iy, ix, ic]) * float(w[oc, ky, kx, ic])
        out[b, oy, ox, oc] = acc
    return out


def test_conv2d_against_naive_loop():
    x = RNG.standard_normal((2, 7, 6, 3)).astype(np.float32)
    w = RNG.standard_normal((4, 3, 2, 3)).astype(np.float32)
    bias = RNG.standard_normal(4).astype(np.float32)
    attrs = "acc_type = f32, dilation = array<i64: 2, 1>, pad = array<i64: 1, 0, 0, 2>, stride = array<i64: 1, 2>"
    out = run1(
        ["tensor<2x7x6x3xf32>", "tensor<4x3x2x3xf32>", "tensor<4xf32>"], "tensor<2x4x4x4xf32>",
        f"tosa.conv2d %a0, %a1, %a2, %zp, %zp {{{attrs}}} : (tensor<2x7x6x3xf32>, tensor<4x3x2x3xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x4x4xf32>",
        [x, w, bias],
    )
    np.testing.assert_allclose(out, naive_conv2d(x, w, bias, (1, 2), (2, 1), (1, 0, 0, 2)), rtol=1e-5, atol=1e-6)


def test_depthwise_conv2d_against_naive_loop():
    x = RNG.standard_normal((1, 5, 5, 2)).astype(np.float32)
    w = RNG.standard_normal((3, 3, 2, 2)).astype(np.float32)  # KH, KW, C, M
    bias = RNG.standard_normal(4).astype(np.float32)
    attrs = "acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>"
    out = run1(
        ["tensor<1x5x5x2xf32>", "tensor<3x3x2x2xf32>", "tensor<4xf32>"], "tensor<1x5x5x4xf32>",
        f"tosa.depthwise_conv2d %a0, %a1, %a2, %zp, %zp {{{attrs}}} : (tensor<1x5x5x2xf32>, tensor<3x3x2x2xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x5x5x4xf32>",
        [x, w, bias],
    )
    # depthwise = a conv per input channel c with weights w[..., c, m] -> channel c*M + m
    for c in range(2):
        for m in range(2):
            wc = w[:, :, c, m][None, :, :, None]
            ref = naive_conv2d(x[..., c : c + 1], wc, bias[c * 2 + m : c * 2 + m + 1], (1, 1), (1, 1), (1, 1, 1, 1))
            np.testing.assert_allclose(out[..., c * 2 + m], ref[..., 0], rtol=1e-5, atol=1e-6)


def test_pools_against_naive_loop():
    x = RNG.standard_normal((1, 5, 5, 2)).astype(np.float32)
    attrs = "kernel = array<i64: 3, 3>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 2, 2>"
    t_in, t_out = "tensor<1x5x5x2xf32>", "tensor<1x3x3x2xf32>"
    body = f"""{ZP}
%mx = tosa.max_pool2d %a0 {{{attrs}}} : ({t_in}) -> {t_out}
%av = tosa.avg_pool2d %a0, %zp, %zp {{acc_type = f32, {attrs}}} : ({t_in}, tensor<1xf32>, tensor<1xf32>) -> {t_out}
return %mx, %av : {t_out}, {t_out}"""
    mx, av = run([t_in], [t_out, t_out], body, [x])
    for oy, ox, c in np.ndindex(3, 3, 2):
        window = [x[0, iy, ix, c] for iy in range(2 * oy - 1, 2 * oy + 2) for ix in range(2 * ox - 1, 2 * ox + 2) if 0 <= iy < 5 and 0 <= ix < 5]
        assert mx[0, oy, ox, c] == max(window)
        assert av[0, oy, ox, c] == pytest.approx(np.mean(np.float64(window)), rel=1e-6)  # padding not counted


# --- integer / quantized --------------------------------------------------------------


def test_rescale_table_clz():
    body = """%m = "tosa.const"() <{values = dense<1073741824> : tensor<1xi32>}> : () -> tensor<1xi32>
%s = "tosa.const"() <{values = dense<31> : tensor<1xi8>}> : () -> tensor<1xi8>
%zi = "tosa.const"() <{values = dense<1> : tensor<1xi8>}> : () -> tensor<1xi8>
%zo = "tosa.const"() <{values = dense<-3> : tensor<1xi8>}> : () -> tensor<1xi8>
%r = tosa.rescale %a0, %m, %s, %zi, %zo {scale32 = true, rounding_mode = SINGLE_ROUND, per_channel = false, input_unsigned = false, output_unsigned = false} : (tensor<4xi8>, tensor<1xi32>, tensor<1xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<4xi8>
%u = tosa.rescale %a0, %m, %s, %zi, %zo {scale32 = true, rounding_mode = SINGLE_ROUND, per_channel = false, input_unsigned = true, output_unsigned = false} : (tensor<4xi8>, tensor<1xi32>, tensor<1xi8>, tensor<1xi8>, tensor<1xi8>) -> tensor<4xi8>
%tb = tosa.table %a0, %a2 : (tensor<4xi8>, tensor<256xi8>) -> tensor<4xi8>
%c = tosa.clz %a1 : (tensor<4xi32>) -> tensor<4xi32>
return %r, %u, %tb, %c : tensor<4xi8>, tensor<4xi8>, tensor<4xi8>, tensor<4xi32>"""
    x = np.int8([-128, 0, 6, 127])
    table = (127 - np.arange(256)).astype(np.int8)
    types = ["tensor<4xi8>", "tensor<4xi32>", "tensor<256xi8>"]
    r, u, tb, c = run(types, ["tensor<4xi8>", "tensor<4xi8>", "tensor<4xi8>", "tensor<4xi32>"], body, [x, np.int32([0, 1, -1, 1 << 20]), table])
    # scale 2^30 / 2^31 = 0.5, round half up: floor((x - 1) / 2 + 1/2) - 3
    assert r.tolist() == [-67, -3, 0, 60]
    # input_unsigned: -128 is 128 -> floor(127/2 + 1/2) - 3 = 61
    assert u.tolist() == [61, -3, 0, 60]
    assert tb.tolist() == [127, -1, -7, -128]
    assert c.tolist() == [32, 31, 0, 11]


def test_integer_division_shifts_bitwise():
    i4 = "tensor<4xi32>"
    body = f"""%q = tosa.intdiv %a0, %a1 : ({i4}, {i4}) -> {i4}
%one = "tosa.const"() <{{values = dense<1> : {i4}}}> : () -> {i4}
%ar = tosa.arithmetic_right_shift %a0, %one {{round = false}} : ({i4}, {i4}) -> {i4}
%rr = tosa.arithmetic_right_shift %a0, %one {{round = true}} : ({i4}, {i4}) -> {i4}
%ll = tosa.logical_left_shift %a0, %one : ({i4}, {i4}) -> {i4}
%lr = tosa.logical_right_shift %a2, %a3 : (tensor<2xi8>, tensor<2xi8>) -> tensor<2xi8>
%an = tosa.bitwise_and %a0, %a1 : ({i4}, {i4}) -> {i4}
%o = tosa.bitwise_or %a0, %a1 : ({i4}, {i4}) -> {i4}
%x = tosa.bitwise_xor %a0, %a1 : ({i4}, {i4}) -> {i4}
%n = tosa.bitwise_not %a0 : ({i4}) -> {i4}
return %q, %ar, %rr, %ll, %lr, %an, %o, %x, %n : {i4}, {i4}, {i4}, {i4}, tensor<2xi8>, {i4}, {i4}, {i4}, {i4}"""
    a, b = np.int32([7, -7, 7, -5]), np.int32([2, 2, -2, -2])
    types = [i4, i4, "tensor<2xi8>", "tensor<2xi8>"]
    results = [i4] * 4 + ["tensor<2xi8>"] + [i4] * 4
    q, ar, rr, ll, lr, an, o, x, n = run(types, results, body, [a, b, np.int8([-1, 64]), np.int8([4, 2])])
    assert q.tolist() == [3, -3, -3, 2]  # toward zero
    assert ar.tolist() == [3, -4, 3, -3] and rr.tolist() == [4, -3, 4, -2]  # round: + the last bit out
    assert ll.tolist() == [14, -14, 14, -10]
    assert lr.dtype == np.int8 and lr.tolist() == [15, 16]  # 0xFF >> 4 with zeros shifted in
    assert an.tolist() == (a & b).tolist() and o.tolist() == (a | b).tolist() and x.tolist() == (a ^ b).tolist()
    assert n.tolist() == (~a).tolist()


def test_gather_reduce_all_any_identity_xor():
    values = np.arange(8, dtype=np.float32).reshape(1, 4, 2)
    flags = np.array([[True, False], [True, True]])
    body = """%g = tosa.gather %a0, %a1 : (tensor<1x4x2xf32>, tensor<1x3xi32>) -> tensor<1x3x2xf32>
%all = tosa.reduce_all %a2 {axis = 1 : i32} : (tensor<2x2xi1>) -> tensor<2x1xi1>
%any = tosa.reduce_any %a2 {axis = 0 : i32} : (tensor<2x2xi1>) -> tensor<1x2xi1>
%id = tosa.identity %a2 : (tensor<2x2xi1>) -> tensor<2x2xi1>
%x = tosa.logical_xor %a2, %id : (tensor<2x2xi1>, tensor<2x2xi1>) -> tensor<2x2xi1>
return %g, %all, %any, %x : tensor<1x3x2xf32>, tensor<2x1xi1>, tensor<1x2xi1>, tensor<2x2xi1>"""
    types = ["tensor<1x4x2xf32>", "tensor<1x3xi32>", "tensor<2x2xi1>"]
    results = ["tensor<1x3x2xf32>", "tensor<2x1xi1>", "tensor<1x2xi1>", "tensor<2x2xi1>"]
    g, al, an, x = run(types, results, body, [values, np.int32([[3, 0, 3]]), flags])
    assert g.tolist() == [[[6, 7], [0, 1], [6, 7]]]
    assert al.tolist() == [[False], [True]] and an.tolist() == [[True, True]]
    assert not x.any()
    with pytest.raises(SimError, match="'tosa.gather': index out of range"):
        run(types, results, body, [values, np.int32([[4, 0, 0]]), flags])


# --- constants, inputs, errors -------------------------------------------------------------


def test_constants_splat_dense_bf16_and_elided():
    body = """%s = "tosa.const"() <{values = dense<1.5> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
%d = "tosa.const"() <{values = dense<[[1, 2], [3, 4]]> : tensor<2x2xi16>}> : () -> tensor<2x2xi16>
%b = "tosa.const"() <{values = dense<[1.0, 2.5, -3.0]> : tensor<3xbf16>}> : () -> tensor<3xbf16>
%e1 = "tosa.const"() <{values = dense_resource<__elided__> : tensor<4x3xf32>}> : () -> tensor<4x3xf32>
%e2 = "tosa.const"() <{values = dense_resource<__elided__> : tensor<4x3xf32>}> : () -> tensor<4x3xf32>
%e3 = "tosa.const"() <{values = dense_resource<__elided__> : tensor<3x4xf32>}> : () -> tensor<3x4xf32>
return %s, %d, %b, %e1, %e2, %e3 : tensor<2x2xf32>, tensor<2x2xi16>, tensor<3xbf16>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<3x4xf32>"""
    types = ["tensor<2x2xf32>", "tensor<2x2xi16>", "tensor<3xbf16>", "tensor<4x3xf32>", "tensor<4x3xf32>", "tensor<3x4xf32>"]
    s, d, b, e1, e2, e3 = run([], types, body, [])
    np.testing.assert_array_equal(s, np.full((2, 2), 1.5, np.float32))
    assert d.dtype == np.int16 and d.tolist() == [[1, 2], [3, 4]]
    assert b.dtype == np.float32 and b.tolist() == [1.0, 2.5, -3.0]
    # elided data: deterministic in (shape, dtype, attribute) — across parses too
    np.testing.assert_array_equal(e1, e2)
    assert not np.array_equal(e1.reshape(3, 4), e3)
    assert np.all(np.abs(e1) <= 1) and np.unique(e1).size == e1.size
    np.testing.assert_array_equal(run([], types, body, [])[3], e1)


def test_inputs_are_checked_and_converted():
    m = parse(f"func.func @f(%a: {T23}) -> {T23} {{\n return %a : {T23}\n}}")
    out = run_function(m, "f", [X23.astype(np.float64)])[0]
    assert out.dtype == np.float32  # float64 for f32 is rounded, not refused
    with pytest.raises(SimError, match=r"got shape \[3, 2\]"):
        run_function(m, "f", [np.zeros((3, 2), np.float32)])
    with pytest.raises(SimError, match="got a int64 array"):
        run_function(m, "f", [np.zeros((2, 3), np.int64)])
    with pytest.raises(SimError, match="takes 1 arguments, got 2"):
        run_function(m, "f", [X23, X23])
    with pytest.raises(SimError, match="no function @g"):
        run_function(m, "g", [X23])


def test_unsupported_op_names_op_and_location():
    t_in, t_out = "tensor<1x4x4xf32>", "tensor<1x4x3xf32>"
    body = f"""{ZP}
%b = "tosa.const"() <{{values = dense<0.0> : tensor<1xf32>}}> : () -> tensor<1xf32>
%r, %i = tosa.rfft2d %a0 : ({t_in}) -> ({t_out}, {t_out})
return %r : {t_out}"""
    with pytest.raises(SimError, match="cannot simulate 'tosa.rfft2d'") as e:
        run([t_in], [t_out], body, [np.zeros((1, 4, 4), np.float32)])
    assert e.value.loc.line == 4 and "4:" in str(e.value)


def test_random_inputs_deterministic_and_typed():
    m = parse("func.func @f(%a: tensor<64xf32>, %b: tensor<3x4xi8>, %c: tensor<8xi1>, %d: tensor<2xf64>) {\n return\n}")
    ft = func_type(m, "f")
    first, again, other = random_inputs(ft, 7), random_inputs(list(ft.inputs), 7), random_inputs(ft, 8)
    assert [x.dtype for x in first] == [np.float32, np.int8, np.bool_, np.float64]
    assert [x.shape for x in first] == [(64,), (3, 4), (8,), (2,)]
    for x, y in zip(first, again):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(first[0], other[0])
    assert np.all(np.abs(first[0]) < 1) and first[0].std() > 0.3
    assert np.all(np.abs(first[1]) <= 4)


# --- corpus ------------------------------------------------------------------------------


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="shared corpus not found at <repo>/../shared")
def test_corpus_torch_mlp_runs():
    module = parse((SHARED / "corpus/torch/mlp.tosa.mlir").read_text())
    out = run_function(module, "mlp", random_inputs(func_type(module, "mlp"), seed=0))
    assert len(out) == 1 and out[0].shape == (4, 128, 1024) and out[0].dtype == np.float32
    assert np.all(np.isfinite(out[0])) and out[0].std() > 0


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="shared corpus not found at <repo>/../shared")
def test_corpus_tflite_resnet_block_with_elided_weights_is_deterministic():
    module = parse((SHARED / "corpus/tflite/resnet_basic_block.fp32.tosa.mlir").read_text())
    x = random_inputs(func_type(module, "main"), seed=1)
    a, b = run_function(module, "main", x)[0], run_function(module, "main", x)[0]
    assert a.shape == (1, 56, 56, 64) and np.all(np.isfinite(a)) and np.all(a >= 0)  # ends in a ReLU
    np.testing.assert_array_equal(a, b)


def test_dense_resource_blob_is_read_when_present():
    module = parse(
        """
func.func @f() -> (tensor<2xf32>, tensor<3xi16>, tensor<2xbf16>) {
  %0 = "tosa.const"() <{values = dense_resource<w.f32> : tensor<2xf32>}> : () -> tensor<2xf32>
  %1 = "tosa.const"() <{values = dense_resource<w_i16> : tensor<3xi16>}> : () -> tensor<3xi16>
  %2 = "tosa.const"() <{values = dense_resource<w_bf16> : tensor<2xbf16>}> : () -> tensor<2xbf16>
  return %0, %1, %2 : tensor<2xf32>, tensor<3xi16>, tensor<2xbf16>
}
{-#
  dialect_resources: {
    builtin: {
      w.f32: "0x040000000000803F000000C0",
      w_i16: "0x0200000001000200FFFF",
      w_bf16: "0x0200000080BF4040"
    }
  }
#-}"""
    )
    f, i, b = run_function(module, "f", [])
    assert f.dtype == np.float32 and f.tolist() == [1.0, -2.0]
    assert i.dtype == np.int16 and i.tolist() == [1, 2, -1]
    assert b.tolist() == [-1.0, 3.0]


def test_integer_division_by_zero_is_an_error():
    with pytest.raises(SimError, match="'tosa.intdiv': division by zero"):
        run1(["tensor<2xi32>"] * 2, "tensor<2xi32>", "tosa.intdiv %a0, %a1 : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>", [np.int32([1, 2]), np.int32([1, 0])])
