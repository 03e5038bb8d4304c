"""The TFLite -> TOSA legalizations (tensorflow/compiler/mlir/tosa,
legalize_tfl.cc / legalize_common.cc, as used by tosa-converter-for-tflite),
written against the Func builder, for Keras models converted to TFLite
(fp32, and full-integer int8 with int8 inputs and outputs):

- Dense / fully_connected: reshape to Nx1x1xC and a 1x1 tosa.conv2d with
  OHWI weights (as in the real tflite/mlp.fp32 file); int8: i8 weights, i32
  bias, input/weight zero points, i32 accumulator, then a per-channel
  tosa.rescale (DOUBLE_ROUND) to i8;
- Conv2D 'same'/'valid': explicit pad attribute from TF's SAME rule; when
  the stride leaves rows the window never reaches, the input is sliced
  (test_conv2d_slicing in tfl-to-tosa-pipeline.mlir);
- BatchNorm folded into the conv weights and bias; ReLU fused as clamp
  (int8: clamp between the output zero point and 127);
- int8 ADD / MUL: each input rescaled to i32, the i32 op, a rescale back;
- MEAN: reduce_sum per axis and a multiply by 1/N (int8: rescales around
  the i32 sums);
- softmax fp32: exp(x - reduce_max) * reciprocal(reduce_sum); int8: the
  fixed-point sequence of convertSoftmaxOp (two 513-entry i16 tables,
  shifts, clz and three Newton steps for the reciprocal);
- int8 GELU / rsqrt / tanh: one 256-entry tosa.table each;
- batch_matmul: reshape to rank 3 and tosa.matmul (int8: i8 operands with
  zero points, i32 result, rescale).

Weights, biases and per-tensor constants are `dense_resource<__elided__>`
(the converter's output was printed with large constants elided);
scalars, shapes, zero points and lookup tables are inline.
"""

from __future__ import annotations

import math

import numpy as np

from tosa_builder import F32_MAX, Func, V

MODULE_ATTRS = 'tf_saved_model.semantics, tfl.description = "MLIR Converted.", tfl.schema_version = 3 : i32'
FUNC_ATTRS = (' attributes {tf.entry_function = {inputs = "serving_default_x:0", outputs = "StatefulPartitionedCall_1:0"}, '
              'tf_saved_model.exported_names = ["serving_default"]}')


def new_func() -> Func:
    return Func("main", result_attrs='{tf_saved_model.index_path = ["output_0"]}', func_attrs=FUNC_ATTRS)


def model_input(f: Func, shape, dt: str = "f32", name: str = "x") -> V:
    return f.input(shape, dt, f' {{tf_saved_model.index_path = ["{name}"]}}')


def same_pad(size: int, k: int, s: int) -> tuple[int, int, int]:
    """TF 'SAME': (pad_before, pad_after, rows to slice off the input)."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    before, after = total // 2, total - total // 2
    extra = (size + total - k) % s
    return before, after, extra


def lut(fn, in_scale: float, in_zp: int, out_scale: float, out_zp: int) -> list[int]:
    """A 256-entry int8 table, as TF's getTosaConst8bitTable builds it."""
    out = []
    for q in range(-128, 128):
        y = fn((q - in_zp) * in_scale)
        out.append(int(np.clip(round(y / out_scale) + out_zp, -128, 127)))
    return out


def lut16(fn, lo: float, hi: float) -> list[int]:
    """A 513-entry i16 table over [lo, hi] (the int8 softmax exp tables)."""
    xs = np.linspace(lo, hi, 513)
    return [int(np.clip(round(v), -32768, 32767)) for v in fn(xs)]


class Tfl:
    def __init__(self, f: Func):
        self.f = f
        # Zero points of int8 activations (what calibration would have
        # found), per value; reshape/transpose/slice keep their input's.
        self._zps: dict = {}

    # -- fp32 -------------------------------------------------------------
    def dense(self, x: V, out_f: int, bias: bool = True) -> V:
        f = self.f
        lead, in_f = x.shape[:-1], x.shape[-1]
        n = math.prod(lead)
        xr = f.reshape(x, (n, 1, 1, in_f))
        w = f.weight((out_f, 1, 1, in_f))
        b = f.weight((out_f,)) if bias else f.splat(0.0, (1,))
        y = f.conv2d(xr, w, b)
        return f.reshape(y, lead + (out_f,))

    def conv(self, x: V, cout: int, k: int, stride: int = 1, padding: str = "same", relu: bool = True) -> V:
        f = self.f
        quant = x.dt == "i8"
        h = x.shape[1]
        if padding == "same":
            before, after, extra = same_pad(h, k, stride)
        else:
            before, after, extra = 0, 0, (h - k) % stride
        if extra:
            x = self.keep_zp(x, f.slice(x, (0, 0, 0, 0), (x.shape[0], h - extra, x.shape[2] - extra, x.shape[3])))
        w = f.weight((cout, k, k, x.shape[3]), "i8" if quant else "f32")
        b = f.weight((cout,), "i32" if quant else "f32")
        pads = (before, after, before, after)
        if not quant:
            y = f.conv2d(x, w, b, pad=pads, stride=(stride, stride))
            return f.clamp(y, 0.0, F32_MAX) if relu else y
        y = f.conv2d(x, w, b, pad=pads, stride=(stride, stride), x_zp=self.zp_of(x))
        return self.requant_conv(y, cout, relu)

    def zero_pad(self, x: V, p: int) -> V:
        """ZeroPadding2D(p): tosa.pad with the zero point as pad value."""
        f = self.f
        value = f.splat(self.zp_of(x), (1,), "i8") if x.dt == "i8" else f.splat(0.0, (1,))
        return self.keep_zp(x, f.pad(x, ((0, 0), (p, p), (p, p), (0, 0)), value))

    def max_pool_valid(self, x: V, k: int, s: int) -> V:
        f = self.f
        extra = (x.shape[1] - k) % s
        if extra:
            x = self.keep_zp(x, f.slice(x, (0, 0, 0, 0), (x.shape[0], x.shape[1] - extra, x.shape[2] - extra, x.shape[3])))
        return self.keep_zp(x, f.max_pool2d(x, (k, k), (s, s), (0, 0, 0, 0)))

    def layer_norm(self, x: V, eps: float = 1e-5) -> V:
        f = self.f
        n, ax = x.shape[-1], len(x.shape) - 1
        one = (1,) * len(x.shape)
        inv = f.splat(1.0 / n, one)
        mean = f.mul(f.reduce("sum", x, ax), inv)
        d = f.sub(x, mean)
        var = f.mul(f.reduce("sum", f.mul(d, d), ax), inv)
        rstd = f.unary("rsqrt", f.add(var, f.splat(eps, one)))
        scale = f.mul(rstd, f.weight(one[:-1] + (n,)))
        shift = f.sub(f.weight(one[:-1] + (n,)), f.mul(mean, scale))
        return f.add(f.mul(x, scale), shift)

    def softmax(self, x: V) -> V:
        f = self.f
        ax = len(x.shape) - 1
        e = f.unary("exp", f.sub(x, f.reduce("max", x, ax)))
        return f.mul(e, f.unary("reciprocal", f.reduce("sum", e, ax)))

    def gelu_tanh(self, x: V) -> V:
        f = self.f
        one = (1,) * len(x.shape)
        cube = f.mul(f.pow(x, f.splat(3.0, one)), f.splat(0.044715, one))
        inner = f.mul(f.add(x, cube), f.splat(math.sqrt(2 / math.pi), one))
        t = f.add(f.unary("tanh", inner), f.splat(1.0, one))
        return f.mul(f.mul(x, f.splat(0.5, one)), t)

    def batch_matmul(self, a: V, b: V, a_zp: int = 0, b_zp: int = 0) -> V:
        f = self.f
        B, H, M, K = a.shape
        N = b.shape[3]
        y = f.matmul(f.reshape(a, (B * H, M, K)), f.reshape(b, (B * H, K, N)), a_zp=a_zp, b_zp=b_zp)
        return f.reshape(y, (B, H, M, N))

    def mean_hw(self, x: V) -> V:
        """GlobalAveragePooling2D (tfl.mean over H, W; keep_dims false)."""
        f = self.f
        n, h, w, c = x.shape
        if x.dt != "i8":
            s = f.reduce("sum", f.reduce("sum", x, 1), 2)
            return f.reshape(f.mul(s, f.splat(1.0 / (h * w), (1, 1, 1, 1))), (n, c))
        wide = f.rescale(x, "i32", 1073741824, 30, in_zp=self.zp_of(x))
        s = f.reduce("sum", f.reduce("sum", wide, 1), 2)
        y = f.rescale(s, "i8", 1073741824, 30 + int(math.log2(h * w)), out_zp=-128, rounding="DOUBLE_ROUND")
        return f.reshape(y, (n, c))

    # -- int8 ---------------------------------------------------------------
    def zp_of(self, v: V) -> int:
        return self._zps.get(v.name, -128 if v.dt == "i8" else 0)

    def set_zp(self, v: V, zp: int) -> V:
        self._zps[v.name] = zp
        return v

    def requant_conv(self, acc: V, cout: int, relu: bool, out_zp: int = -128) -> V:
        """i32 accumulator -> i8: per-channel multiplier/shift (weights are
        quantized per output channel), then the fused ReLU as a clamp."""
        f = self.f
        rng = np.random.default_rng(cout * 7 + acc.shape[1])
        if cout <= 256:
            mult = [int(m) for m in rng.integers(1 << 30, (1 << 31) - 1, cout)]
            shift = [int(s) for s in rng.integers(36, 40, cout)]
        else:  # wide layers: the converter's per-channel vectors elided would be unsimulatable; keep a splat
            mult, shift = [1518500250] * cout, [38] * cout
        y = f.rescale(acc, "i8", mult, shift, out_zp=out_zp, rounding="DOUBLE_ROUND", per_channel=True)
        self.set_zp(y, out_zp)
        if relu:
            y = self.set_zp(f.clamp(y, out_zp, 127), out_zp)
        return y

    def dense_q(self, x: V, out_f: int, out_zp: int = -3) -> V:
        f = self.f
        lead, in_f = x.shape[:-1], x.shape[-1]
        n = math.prod(lead)
        xr = self.set_zp(f.reshape(x, (n, 1, 1, in_f)), self.zp_of(x))
        acc = f.conv2d(xr, f.weight((out_f, 1, 1, in_f), "i8"), f.weight((out_f,), "i32"), x_zp=self.zp_of(x))
        y = self.requant_conv(acc, out_f, relu=False, out_zp=out_zp)
        return self.set_zp(f.reshape(y, lead + (out_f,)), out_zp)

    def add_q(self, a: V, b: V, out_zp: int = -2) -> V:
        f = self.f
        ra = f.rescale(a, "i32", 1073741824, 11, in_zp=self.zp_of(a))
        rb = f.rescale(b, "i32", 1518500250, 11, in_zp=self.zp_of(b))
        y = f.rescale(f.add(ra, rb), "i8", 1288490189, 51, out_zp=out_zp)
        return self.set_zp(y, out_zp)

    def mul_q(self, a: V, b: V, out_zp: int = -1) -> V:
        f = self.f
        ra = f.rescale(a, "i32", 1073741824, 30, in_zp=self.zp_of(a))
        rb = f.rescale(b, "i32", 1073741824, 30, in_zp=self.zp_of(b))
        y = f.rescale(f.mul(ra, rb), "i8", 1431655765, 44, out_zp=out_zp, rounding="DOUBLE_ROUND")
        return self.set_zp(y, out_zp)

    def sub_q(self, a: V, b: V, out_zp: int = 0) -> V:
        f = self.f
        ra = f.rescale(a, "i32", 1073741824, 11, in_zp=self.zp_of(a))
        rb = f.rescale(b, "i32", 1073741824, 11, in_zp=self.zp_of(b))
        y = f.rescale(f.sub(ra, rb), "i8", 1073741824, 50, out_zp=out_zp)
        return self.set_zp(y, out_zp)

    def mean_q(self, x: V, ax: int, out_zp: int = -4) -> V:
        f = self.f
        wide = f.rescale(x, "i32", 1073741824, 30, in_zp=self.zp_of(x))
        s = f.reduce("sum", wide, ax)
        n = x.shape[ax]
        k = (n - 1).bit_length()  # 1/n = (2^(30+k) / n) / 2^(30+k), multiplier < 2^31
        y = f.rescale(s, "i8", round(2 ** (30 + k) / n), 30 + k, out_zp=out_zp, rounding="DOUBLE_ROUND")
        return self.set_zp(y, out_zp)

    def table_q(self, x: V, fn, in_scale: float, out_scale: float, out_zp: int) -> V:
        f = self.f
        t = f.dense(lut(fn, in_scale, self.zp_of(x), out_scale, out_zp), (256,), "i8")
        return self.set_zp(f.table(x, t), out_zp)

    def layer_norm_q(self, x: V) -> V:
        """Keras LayerNormalization, full-integer: MEAN, SQUARED_DIFFERENCE,
        MEAN, ADD(eps), RSQRT (table), MUL, MUL(gamma), ADD(beta)."""
        f = self.f
        ax = len(x.shape) - 1
        n = x.shape[-1]
        one = (1,) * len(x.shape)
        mean = self.mean_q(x, ax)
        d = self.sub_q(x, mean)
        sq = self.mul_q(d, d, out_zp=-128)
        var = self.mean_q(sq, ax, out_zp=-128)
        eps = self.set_zp(f.splat(-127, one, "i8"), -128)
        var_eps = self.add_q(var, eps, out_zp=-128)
        rstd = self.table_q(var_eps, lambda v: 1.0 / math.sqrt(max(v, 1e-5)), 0.004, 0.05, -128)
        y = self.mul_q(d, rstd)
        gamma = self.set_zp(f.weight(one[:-1] + (n,), "i8"), 0)
        beta = self.set_zp(f.weight(one[:-1] + (n,), "i8"), 0)
        return self.add_q(self.mul_q(y, gamma), beta)

    def softmax_q(self, x: V) -> V:
        """tfl.softmax int8 -> TOSA (convertSoftmaxOp, the 16-bit exp
        table path): result zero point -128, scale 1/256."""
        f = self.f
        ax = len(x.shape) - 1
        one = (1,) * len(x.shape)

        def c(v):
            return f.splat(v, one, "i32")

        exp_hi = f.dense(lut16(lambda z: np.exp(z / 8.0) * 32767 / np.exp(2.0) - 16384, -16.0, 16.0), (513,), "i16")
        exp_lo = f.dense(lut16(lambda z: (np.exp(z / 8.0) * 1024) % 32768 - 16384, -16.0, 16.0), (513,), "i16")
        x32 = f.rescale(x, "i32", 1073741824, 30, in_zp=self.zp_of(x))
        d = f.sub(x32, f.reduce("max", x32, ax))
        d16 = f.rescale(d, "i16", 1073741824, 23)
        hi, lo = f.table(d16, exp_hi), f.table(d16, exp_lo)
        e = f.add(f.binary("logical_left_shift", hi, c(9)),
                  f.add(f.binary("arithmetic_right_shift", lo, c(7), attrs=" {round = true}"), c(32768)))
        e = f.binary("arithmetic_right_shift", e, c(12), attrs=" {round = true}")
        total = f.reduce("sum", e, ax)
        headroom = f.unary("clz", total)
        norm = f.binary("logical_left_shift", total, f.sub(headroom, c(1)))
        # 1/x by Newton-Raphson in Q2.29, three steps
        est = f.add(f.mul(norm, c(-1010580540), 31), c(1515870810))
        for _ in range(3):
            err = f.sub(c(536870912), f.mul(est, norm, 31))
            est = f.add(est, f.mul(f.mul(est, err, 31), c(4)))
        y = f.mul(e, est, 30)
        y = f.binary("arithmetic_right_shift", y, f.sub(c(35), headroom), attrs=" {round = true}")
        return self.set_zp(f.rescale(y, "i8", 1073741824, 30, out_zp=-128), -128)

    def batch_matmul_q(self, a: V, b: V, out_zp: int = -5) -> V:
        acc = self.batch_matmul(a, b, self.zp_of(a), self.zp_of(b))
        y = self.f.rescale(acc, "i8", 1374389535, 41, out_zp=out_zp, rounding="DOUBLE_ROUND")
        return self.set_zp(y, out_zp)

    def keep_zp(self, src: V, v: V) -> V:
        """Reshape/transpose/slice keep the quantization of their input."""
        return self.set_zp(v, self.zp_of(src))
