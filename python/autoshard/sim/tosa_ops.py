"""TOSA op handlers (LLVM 22 operand lists), computed wide in numpy.

Floats are computed in float64 and ints in int64; the interpreter rounds
each result to its declared type, so every op rounds once, like a correctly
rounded f32 kernel (sums and dot products are accumulated in float64 first).
TOSA broadcasting (equal ranks, size-1 dims stretch) is numpy broadcasting.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autoshard.sim.helpers import attr_int, attr_ints, binary, checked_div, result_dtype, scalar, trunc_div, wide
from autoshard.sim.registry import local
from autoshard.sim.values import SimError, elements_attr_value


# --- helpers -----------------------------------------------------------------


def _require_float(op, x):
    if x.dtype.kind != "f":
        raise SimError(f"'{op.name}' on {x.dtype} is not simulated (float only)", op.location)


# --- constants ---------------------------------------------------------------


@local("tosa.const")
def _const(op, args, dev):
    return elements_attr_value(op.attributes["values"], op.results[0].type, op.location, dev.module)


@local("tosa.const_shape")
def _const_shape(op, args, dev):
    return tuple(int(v) for v in np.array(op.attributes["values"]).reshape(-1))


@local("tosa.identity")
def _identity(op, args, dev):
    return args[0]


# --- elementwise -------------------------------------------------------------


def _unary_float(fn):
    def handler(op, args, dev):
        _require_float(op, args[0])
        return fn(wide(args[0]))

    return handler


local("tosa.add")(binary(np.add))
local("tosa.sub")(binary(np.subtract))
local("tosa.maximum")(binary(np.maximum))
local("tosa.minimum")(binary(np.minimum))
local("tosa.pow")(binary(np.power))
local("tosa.equal")(binary(np.equal))
local("tosa.greater")(binary(np.greater))
local("tosa.greater_equal")(binary(np.greater_equal))
local("tosa.logical_and")(binary(np.logical_and))
local("tosa.logical_or")(binary(np.logical_or))
local("tosa.logical_xor")(binary(np.logical_xor))
local("tosa.bitwise_and")(binary(np.bitwise_and))
local("tosa.bitwise_or")(binary(np.bitwise_or))
local("tosa.bitwise_xor")(binary(np.bitwise_xor))
local("tosa.logical_left_shift")(binary(np.left_shift))

# Any: the stubs type a one-input ufunc as returning a scalar.
_erf: Any = np.frompyfunc(math.erf, 1, 1)  # exact, and fast enough (~0.15 us/element)

local("tosa.exp")(_unary_float(np.exp))
local("tosa.log")(_unary_float(np.log))
local("tosa.tanh")(_unary_float(np.tanh))
local("tosa.erf")(_unary_float(lambda x: _erf(x).astype(np.float64)))
local("tosa.sigmoid")(_unary_float(lambda x: 1.0 / (1.0 + np.exp(-x))))
local("tosa.reciprocal")(_unary_float(lambda x: 1.0 / x))
local("tosa.rsqrt")(_unary_float(lambda x: 1.0 / np.sqrt(x)))
local("tosa.floor")(_unary_float(np.floor))
local("tosa.ceil")(_unary_float(np.ceil))
local("tosa.sin")(_unary_float(np.sin))
local("tosa.cos")(_unary_float(np.cos))


@local("tosa.abs")
def _abs(op, args, dev):
    return np.abs(wide(args[0]))


@local("tosa.logical_not")
def _logical_not(op, args, dev):
    return np.logical_not(args[0])


@local("tosa.bitwise_not")
def _bitwise_not(op, args, dev):
    return np.bitwise_not(args[0])


@local("tosa.negate")
def _negate(op, args, dev):
    # Operands: x, input_zp, output_zp. Integers negate around the zero
    # points and saturate to the result type, as the TOSA spec says.
    x = wide(args[0])
    if x.dtype.kind == "f":
        return -x
    out = -(x - scalar(args[1])) + scalar(args[2])
    info = np.iinfo(result_dtype(op))
    return np.clip(out, info.min, info.max)


@local("tosa.mul")
def _mul(op, args, dev):
    # Operands: a, b, shift (i8, 0 for floats). For i32 with shift > 0 TOSA
    # rounds the product half up before shifting right.
    a, b = wide(args[0]), wide(args[1])
    prod = a * b
    shift = int(scalar(args[2])) if len(args) > 2 else 0
    if prod.dtype.kind == "i" and shift > 0:
        prod = (prod + (1 << (shift - 1))) >> shift
    return prod


local("tosa.intdiv")(checked_div(trunc_div))


@local("tosa.arithmetic_right_shift")
def _arith_shift_right(op, args, dev):
    a, s = wide(args[0]), wide(args[1])
    out = a >> s
    if "round" in op.attributes and bool(op.attributes["round"].value):
        # Round half up: add back the last bit shifted out.
        out = out + np.where(s > 0, (a >> np.maximum(s - 1, 0)) & 1, 0)
    return out


@local("tosa.logical_right_shift")
def _logical_shift_right(op, args, dev):
    x = np.asarray(args[0])
    unsigned = x.view(np.dtype(f"uint{x.dtype.itemsize * 8}"))
    return (unsigned.astype(np.uint64) >> wide(args[1]).astype(np.uint64)).astype(x.dtype)


@local("tosa.clamp")
def _clamp(op, args, dev):
    lo, hi = op.attributes["min_val"].value, op.attributes["max_val"].value
    return np.clip(wide(args[0]), lo, hi)  # NaN propagates, like nan_mode PROPAGATE


@local("tosa.select")
def _select(op, args, dev):
    return np.where(args[0], wide(args[1]), wide(args[2]))


@local("tosa.cast")
def _cast(op, args, dev):
    # TOSA cast: float -> int rounds to nearest even and saturates; anything
    # -> bool is "!= 0"; int -> narrower int truncates (the astype wrap).
    x = np.asarray(args[0])
    to = result_dtype(op)
    if to.kind == "b":
        return x != 0
    if to.kind in "iu" and x.dtype.kind == "f":
        info = np.iinfo(to)
        r = np.rint(np.nan_to_num(x.astype(np.float64), nan=0.0))
        return np.clip(r, info.min, info.max).astype(np.int64)
    return wide(x) if x.dtype.kind != "b" else x.astype(np.int64)


# --- data movement -----------------------------------------------------------


@local("tosa.reshape")
def _reshape(op, args, dev):
    return np.reshape(args[0], args[1])


@local("tosa.transpose")
def _transpose(op, args, dev):
    return np.transpose(args[0], attr_ints(op, "perms"))


@local("tosa.slice")
def _slice(op, args, dev):
    x, start, size = args
    idx = tuple(slice(b, d if s == -1 else b + s) for b, s, d in zip(start, size, x.shape))
    if any(b < 0 or (s != -1 and b + s > d) for b, s, d in zip(start, size, x.shape)):
        raise SimError(f"'tosa.slice': start {list(start)} size {list(size)} out of bounds of {list(x.shape)}", op.location)
    return x[idx]


@local("tosa.concat")
def _concat(op, args, dev):
    return np.concatenate(args, axis=attr_int(op, "axis"))


@local("tosa.tile")
def _tile(op, args, dev):
    return np.tile(args[0], args[1])


@local("tosa.reverse")
def _reverse(op, args, dev):
    return np.flip(args[0], axis=attr_int(op, "axis"))


@local("tosa.pad")
def _pad(op, args, dev):
    # Operands: x, padding (shape value [lo0, hi0, lo1, hi1, ...]), pad_const.
    x, padding = args[0], args[1]
    fill = scalar(args[2]) if len(args) > 2 else 0
    pairs = [(padding[2 * i], padding[2 * i + 1]) for i in range(x.ndim)]
    return np.pad(x, pairs, mode="constant", constant_values=fill)


@local("tosa.gather")
def _gather(op, args, dev):
    values, indices = args  # [N, K, C], [N, W] -> [N, W, C]
    if np.any(indices < 0) or np.any(indices >= values.shape[1]):
        raise SimError("'tosa.gather': index out of range", op.location)
    return np.take_along_axis(values, indices.astype(np.int64)[:, :, None], axis=1)


@local("tosa.scatter")
def _scatter(op, args, dev):
    values, indices, updates = np.asarray(args[0]), np.asarray(args[1]), np.asarray(args[2])  # [N,K,C], [N,W], [N,W,C]
    if np.any(indices < 0) or np.any(indices >= values.shape[1]):
        raise SimError("'tosa.scatter': index out of range", op.location)
    for n in range(indices.shape[0]):
        if len(set(indices[n].tolist())) != indices.shape[1]:
            raise SimError("'tosa.scatter': an index is written twice (TOSA requires unique indices)", op.location)
    out = values.copy()
    out[np.arange(indices.shape[0])[:, None], indices.astype(np.int64)] = updates
    return out


@local("tosa.resize")
def _resize(op, args, dev):
    # Operands: input [N,IH,IW,C], scale [yn, yd, xn, xd], offset [oy, ox],
    # border [by, bx] (shape values); the TOSA 1.0 sampling rule per axis.
    x = wide(args[0])
    scale, offset = list(args[1]), list(args[2])
    bilinear = "BILINEAR" in str(op.attributes["mode"])
    OH, OW = op.results[0].type.shape[1:3]
    IH, IW = x.shape[1:3]
    floating = x.dtype.kind == "f"

    def axis(n_out, n_in, num, den, off):
        pos = np.arange(n_out) * den + off
        if floating:
            f = pos / num
            i = np.floor(f).astype(np.int64)
            d = f - i
        else:
            i = np.floor_divide(pos, num)
            d = pos - i * num
        return i, d

    iy, dy = axis(OH, IH, scale[0], scale[1], offset[0])
    ix, dx = axis(OW, IW, scale[2], scale[3], offset[1])
    if not bilinear:
        half_y = dy >= 0.5 if floating else 2 * dy >= scale[0]
        half_x = dx >= 0.5 if floating else 2 * dx >= scale[2]
        ry = np.clip(iy + half_y, 0, IH - 1)
        rx = np.clip(ix + half_x, 0, IW - 1)
        return x[:, ry][:, :, rx]
    y0, y1 = np.clip(iy, 0, IH - 1), np.clip(iy + 1, 0, IH - 1)
    x0, x1 = np.clip(ix, 0, IW - 1), np.clip(ix + 1, 0, IW - 1)
    one_y, one_x = (1.0, 1.0) if floating else (scale[0], scale[2])
    wy, wx = dy[None, :, None, None], dx[None, None, :, None]
    v = lambda a, b: x[:, a][:, :, b]  # noqa: E731
    return (v(y0, x0) * (one_y - wy) * (one_x - wx) + v(y0, x1) * (one_y - wy) * wx
            + v(y1, x0) * wy * (one_x - wx) + v(y1, x1) * wy * wx)


# --- reductions --------------------------------------------------------------


def _reduce(fn):
    return lambda op, args, dev: fn(wide(args[0]), axis=attr_int(op, "axis"), keepdims=True)


local("tosa.reduce_sum")(_reduce(np.sum))
local("tosa.reduce_product")(_reduce(np.prod))
local("tosa.reduce_max")(_reduce(np.max))
local("tosa.reduce_min")(_reduce(np.min))
local("tosa.reduce_all")(_reduce(np.all))
local("tosa.reduce_any")(_reduce(np.any))


@local("tosa.argmax")
def _argmax(op, args, dev):
    return np.argmax(args[0], axis=attr_int(op, "axis"))  # first max; a NaN wins (PROPAGATE)


# --- matmul / convolution / pooling ------------------------------------------


def _exact_in_f32(a: np.ndarray, b: np.ndarray) -> bool:
    """True when a @ b computed in f32 is exact: every element a multiple of
    1/8 (autoshard-verify's inputs) and the largest possible partial sum
    times 64 below 2^24, so no product or sum ever rounds."""
    for x in (a, b):
        scaled = x * np.float32(8)
        if not np.array_equal(scaled, np.rint(scaled)):
            return False
    bound = float(np.max(np.abs(a), initial=0)) * float(np.max(np.abs(b), initial=0)) * a.shape[-1] * 64
    return bound < 2**24


@local("tosa.matmul")
def _matmul(op, args, dev):
    # Operands: a [N, H, C], b [N, C, W], a_zp, b_zp.
    a, b = np.asarray(args[0]), np.asarray(args[1])
    if a.dtype == np.float32 and b.dtype == np.float32:
        # One batch at a time: f32 BLAS where it is provably exact, else f64
        # accumulation; never a float64 copy of a whole large operand (the
        # seed's 32x4096x8192 operand is 4 GiB in f32).
        out = np.empty((a.shape[0], a.shape[1], b.shape[2]), dtype=np.float32)
        for i in range(a.shape[0]):
            if _exact_in_f32(a[i], b[i]):
                np.matmul(a[i], b[i], out=out[i])
            else:
                out[i] = np.matmul(a[i].astype(np.float64), b[i].astype(np.float64))
        return out
    a, b = wide(a), wide(b)
    if a.dtype.kind == "i":
        a, b = a - int(scalar(args[2])), b - int(scalar(args[3]))
    return np.matmul(a, b)


def _windows(x, kernel, stride, dilation, pad, fill):
    """Pad an NHWC tensor and yield (ky, kx, view) where view[n, oy, ox, c] is
    the input element under kernel tap (ky, kx) for output (oy, ox)."""
    (kh, kw), (sy, sx), (dy, dx) = kernel, stride, dilation
    top, bottom, left, right = pad
    xp = np.pad(x, [(0, 0), (top, bottom), (left, right), (0, 0)], constant_values=fill)
    oh = (xp.shape[1] - (kh - 1) * dy - 1) // sy + 1
    ow = (xp.shape[2] - (kw - 1) * dx - 1) // sx + 1
    for ky in range(kh):
        for kx in range(kw):
            y0, x0 = ky * dy, kx * dx
            yield ky, kx, xp[:, y0 : y0 + (oh - 1) * sy + 1 : sy, x0 : x0 + (ow - 1) * sx + 1 : sx, :]


def _channel_matmul(x, w):
    """x [..., IC] times w [OC, IC] -> [..., OC] as one 2-D product (a stack
    of matrix-vector products, numpy's choice for x @ w.T, is far slower)."""
    flat = np.ascontiguousarray(x).reshape(-1, x.shape[-1])
    return (flat @ w.T).reshape(x.shape[:-1] + (w.shape[0],))


def _windows_nd(x, kernel, stride, dilation, pad, fill):
    """_windows for any number of spatial dims (x: [N, *spatial, C]):
    yields (taps, view) for every kernel position."""
    n = len(kernel)
    xp = np.pad(x, [(0, 0)] + [(pad[2 * i], pad[2 * i + 1]) for i in range(n)] + [(0, 0)], constant_values=fill)
    outs = [(xp.shape[1 + i] - (kernel[i] - 1) * dilation[i] - 1) // stride[i] + 1 for i in range(n)]
    for taps in np.ndindex(*kernel):
        index = [slice(None)]
        for i, t in enumerate(taps):
            start = t * dilation[i]
            index.append(slice(start, start + (outs[i] - 1) * stride[i] + 1, stride[i]))
        yield taps, xp[tuple(index + [slice(None)])]


def _conv_operands(op, args):
    # Operands: input (NHWC), weight, bias, input_zp, weight_zp. Integer
    # inputs subtract their zero points first, so padding is a true zero.
    x, w, bias = wide(args[0]), wide(args[1]), wide(args[2])
    if x.dtype.kind == "i":
        x, w = x - int(scalar(args[3])), w - int(scalar(args[4]))
    geometry = dict(stride=attr_ints(op, "stride"), dilation=attr_ints(op, "dilation"), pad=attr_ints(op, "pad"))
    return x, w, bias, geometry


@local("tosa.conv2d")
def _conv2d(op, args, dev):
    x, w, bias, g = _conv_operands(op, args)  # w: OHWI
    acc = 0
    for ky, kx, view in _windows(x, w.shape[1:3], fill=0, **g):
        acc = acc + _channel_matmul(view, w[:, ky, kx, :])
    return acc + bias


@local("tosa.conv3d")
def _conv3d(op, args, dev):
    x, w, bias, g = _conv_operands(op, args)  # x: NDHWC, w: [OC, KD, KH, KW, IC]
    acc = 0
    for taps, view in _windows_nd(x, w.shape[1:4], fill=0, **g):
        # Not w[(slice(None), *taps, slice(None))]: mypy takes that for a 3.11 star index.
        acc = acc + _channel_matmul(view, w[(slice(None),) + tuple(taps) + (slice(None),)])
    return acc + bias


@local("tosa.transpose_conv2d")
def _transpose_conv2d(op, args, dev):
    # Operands: input, weight [OC, KH, KW, IC], bias, input_zp, weight_zp.
    # Input pixel (iy, ix) under tap (ky, kx) lands on output row
    # iy * stride_y + out_pad_top + ky (TOSA spec); out_pad may be negative.
    x, w, bias = wide(args[0]), wide(args[1]), wide(args[2])
    if x.dtype.kind == "i":
        x, w = x - int(scalar(args[3])), w - int(scalar(args[4]))
    top, _, left, _ = attr_ints(op, "out_pad")
    sy, sx = attr_ints(op, "stride")
    N, IH, IW, _ = x.shape
    OC, KH, KW, _ = w.shape
    OH, OW = op.results[0].type.shape[1:3]
    acc = np.zeros((N, OH, OW, OC), dtype=np.result_type(x, w))
    for ky in range(KH):
        for kx in range(KW):
            contrib = _channel_matmul(x, w[:, ky, kx, :])  # [N, IH, IW, OC]
            oy = np.arange(IH) * sy + top + ky
            ox = np.arange(IW) * sx + left + kx
            my, mx = (oy >= 0) & (oy < OH), (ox >= 0) & (ox < OW)
            acc[:, oy[my][:, None], ox[mx][None, :], :] += contrib[:, my][:, :, mx]
    return acc + bias


@local("tosa.depthwise_conv2d")
def _depthwise_conv2d(op, args, dev):
    x, w, bias, g = _conv_operands(op, args)  # w: [KH, KW, C, M]; out channel c*M + m
    acc: Any = 0  # 0, then an array
    for ky, kx, view in _windows(x, w.shape[0:2], fill=0, **g):
        acc = acc + view[..., :, None] * w[ky, kx]
    return acc.reshape(acc.shape[:3] + (-1,)) + bias


@local("tosa.max_pool2d")
def _max_pool2d(op, args, dev):
    x = wide(args[0])
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(np.int64).min
    g = dict(stride=attr_ints(op, "stride"), dilation=(1, 1), pad=attr_ints(op, "pad"))
    out = None
    for _, _, view in _windows(x, attr_ints(op, "kernel"), fill=fill, **g):
        out = view if out is None else np.maximum(out, view)
    return out


@local("tosa.avg_pool2d")
def _avg_pool2d(op, args, dev):
    # Operands: input, input_zp, output_zp. The divisor counts only real
    # input elements, never padding (TOSA spec).
    x = wide(args[0])
    _require_float(op, args[0])
    g = dict(stride=attr_ints(op, "stride"), dilation=(1, 1), pad=attr_ints(op, "pad"))
    kernel = attr_ints(op, "kernel")
    total = sum(view for _, _, view in _windows(x, kernel, fill=0.0, **g))
    ones = np.ones((1,) + x.shape[1:3] + (1,))
    count = sum(view for _, _, view in _windows(ones, kernel, fill=0.0, **g))
    return total / count


# --- integer / quantized -------------------------------------------------------


def _as_unsigned(x: np.ndarray) -> np.ndarray:
    """Signless integer bits read as unsigned (TOSA's *_unsigned flags)."""
    return x.view(np.dtype(f"uint{x.dtype.itemsize * 8}")).astype(np.int64)


@local("tosa.rescale")
def _rescale(op, args, dev):
    # Operands: input, multiplier, shift, input_zp, output_zp (TOSA 1.0).
    # value = (x - in_zp) * multiplier[c] + round, >> shift[c], + out_zp, clipped.
    x, mult, shift = np.asarray(args[0]), wide(args[1]), wide(args[2])
    flag = lambda name: name in op.attributes and bool(op.attributes[name].value)  # noqa: E731
    in_unsigned, out_unsigned = flag("input_unsigned"), flag("output_unsigned")
    value = _as_unsigned(x) if in_unsigned else wide(x)
    in_zp = _as_unsigned(np.asarray(args[3]))[0] if in_unsigned else int(scalar(args[3]))
    out_zp = _as_unsigned(np.asarray(args[4]))[0] if out_unsigned else int(scalar(args[4]))
    value = value - in_zp
    if flag("per_channel"):
        mult, shift = mult.reshape(-1), shift.reshape(-1)  # broadcast over the last dim
    else:
        mult, shift = mult.reshape(-1)[0], shift.reshape(-1)[0]
    if np.any(shift < 1):
        raise SimError(f"'tosa.rescale': shift {shift} must be >= 1", op.location)
    rnd = np.left_shift(1, shift - 1).astype(np.int64)
    if "DOUBLE_ROUND" in str(op.attributes["rounding_mode"]) and flag("scale32"):
        rnd = rnd + np.where(shift > 31, np.where(value >= 0, 1 << 30, -(1 << 30)), 0)
    result = (value * mult + rnd) >> shift
    out_dtype = result_dtype(op)
    bits = out_dtype.itemsize * 8
    lo, hi = (0, (1 << bits) - 1) if out_unsigned else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    result = np.clip(result + out_zp, lo, hi)
    # An unsigned result is stored in the signless type: wrap it to the bits.
    return result.astype(np.dtype(f"uint{bits}")).view(out_dtype).astype(np.int64) if out_unsigned else result


@local("tosa.table")
def _table(op, args, dev):
    x, table = np.asarray(args[0]), wide(args[1]).reshape(-1)
    if x.dtype == np.int8:
        return table[x.astype(np.int64) + 128]
    if x.dtype == np.int16:
        # 513-entry table, linear interpolation in 7 fraction bits -> i32
        v = x.astype(np.int64) + 32768
        idx, frac = v >> 7, v & 0x7F
        base, nxt = table[idx], table[np.minimum(idx + 1, table.size - 1)]
        return (base << 7) + (nxt - base) * frac
    raise SimError(f"'tosa.table' on {x.dtype} is not simulated", op.location)


@local("tosa.clz")
def _clz(op, args, dev):
    x = np.asarray(args[0])
    bits = x.dtype.itemsize * 8
    # frexp gives the bit length exactly: every uint32 is a float64.
    _, bit_length = np.frexp(_as_unsigned(x).astype(np.float64))
    return bits - bit_length.astype(np.int64)
