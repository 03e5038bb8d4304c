"""torch-mlir's TorchToTosa lowerings (torch_mlir.fx.export_and_import(...,
output_type="tosa")), written against the Func builder.  Each helper emits
the op sequence the exporter emits for one torch op or module, as seen in
the real /work/shared/corpus/torch files and torch-mlir's
test/Conversion/TorchToTosa tests:

- nn.Linear on a 3-D input: transpose(W), reshape x to 1x(B*S)xE, reshape
  W^T to 1xExO, tosa.matmul, reshape to (B*S)xO, reshape bias to 1xO, add,
  reshape back to BxSxO;
- nn.LayerNorm: variance in f64 (cast, reduce_sum, mul by 1/N, sub, square,
  reduce_sum, mul, cast back), the mean in f32, add eps, rsqrt, then the
  affine part with gamma/beta reshaped to 1x1xE;
- softmax: reduce_max, sub, exp, reduce_sum, reciprocal, mul;
- tanh-GELU with full-size splat constants and tosa.pow(x, 3.0), erf-GELU
  with 1x1x1 constants;
- nn.Embedding: weight reshaped to 1xVxE, indices cast to i32 and reshaped
  to 1xN, tosa.gather, reshape to BxSxE;
- BatchNorm2d (eval): add(var, eps), pow 0.5, reciprocal, sub/mul/mul/add
  with the per-channel vectors reshaped to broadcast;
- NCHW conv / pooling: transposes to NHWC around tosa.conv2d / max_pool2d /
  avg_pool2d, cancelled between consecutive NHWC ops; strides whose window
  does not divide the input shrink the bottom/right pad or slice the input.

Parameters are function arguments (plain export) or constants (`frozen`):
large weights `dense_resource<__elided__>`, small vectors named
`torch_tensor_<dims>_torch.float32` resources with real data.
"""

from __future__ import annotations

import math

import numpy as np

from tosa_builder import F32_MAX, Func, V


class Torch:
    def __init__(self, f: Func, frozen: bool, seed: int = 0):
        self.f = f
        self.frozen = frozen
        self.rng = np.random.default_rng(seed)
        self._names: dict = {}

    # -- parameters -------------------------------------------------------
    def _resource_name(self, shape, dt="float32") -> str:
        base = "torch_tensor_" + "_".join(map(str, shape)) + f"_torch.{dt}"
        n = self._names.get(base, 0)
        self._names[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def vector(self, n: int, kind: str, folded_shape=None) -> V:
        """A per-channel parameter: an argument, or (frozen) a named resource
        with data (kind: gamma ~1, beta/bias small, var positive, mean)."""
        if not self.frozen:
            # BatchNorm running statistics are buffers, the rest parameters.
            return self.f.buffer((n,)) if kind in ("mean", "var") else self.f.param((n,))
        shape = folded_shape or (n,)
        if n > 1024:  # large vectors are elided like the weights
            return self.f.weight(shape)
        k = self.rng.integers(-8, 9, n) / 64.0
        values = {"gamma": 1.0 + k, "var": 1.0 + np.abs(k), "beta": k, "bias": k, "mean": k}[kind]
        return self.f.blob(self._resource_name((n,)), values, shape)

    def linear_weight(self, out_f: int, in_f: int) -> V:
        """Plain: the nn.Linear weight argument (out x in).  Frozen: the
        folded 1 x in x out matmul operand."""
        if not self.frozen:
            return self.f.param((out_f, in_f))
        return self.f.weight((1, in_f, out_f))

    # -- modules ----------------------------------------------------------
    def linear(self, x: V, out_f: int, bias: bool = True, out_shape=None) -> V:
        """out_shape: the shape the following view gives the result (the
        exporter folds the two reshapes into one)."""
        f = self.f
        in_f = x.shape[-1]
        lead = x.shape[:-1]
        rows = math.prod(lead)
        w = self.linear_weight(out_f, in_f)
        b = self.vector(out_f, "bias", (1, out_f)) if bias else None
        if self.frozen:
            wr = w
        else:
            wt = f.transpose(w, (1, 0))
        xr = f.reshape(x, (1, rows, in_f)) if x.shape != (1, rows, in_f) else x
        if not self.frozen:
            wr = f.reshape(wt, (1, in_f, out_f))
        y = f.matmul(xr, wr)
        y = f.reshape(y, (rows, out_f))
        if b is not None:
            if not self.frozen:
                b = f.reshape(b, (1, out_f))
            y = f.add(y, b)
        if out_shape is not None:
            return f.reshape(y, out_shape)
        return f.reshape(y, lead + (out_f,)) if len(lead) != 1 else y

    def layer_norm(self, x: V, eps: float = 1e-5) -> V:
        f = self.f
        n = x.shape[-1]
        ax = len(x.shape) - 1
        one = (1,) * len(x.shape)
        gamma = self.vector(n, "gamma", one[:-1] + (n,))
        beta = self.vector(n, "beta", one[:-1] + (n,))
        x64 = f.cast(x, "f64")
        inv64 = f.splat(1.0 / n, one, "f64")
        mean64 = f.mul(f.reduce("sum", x64, ax), inv64)
        d = f.sub(x64, mean64)
        var64 = f.mul(f.reduce("sum", f.mul(d, d), ax), inv64)
        var = f.cast(var64, "f32")
        mean = f.mul(f.reduce("sum", x, ax), f.splat(1.0 / n, one))
        rstd = f.unary("rsqrt", f.add(var, f.splat(eps, one)))
        y = f.mul(f.sub(x, mean), rstd)
        if not self.frozen:
            gamma = f.reshape(gamma, one[:-1] + (n,))
        y = f.mul(y, gamma)
        if not self.frozen:
            beta = f.reshape(beta, one[:-1] + (n,))
        return f.add(y, beta)

    def softmax(self, x: V, axis: int = -1) -> V:
        f = self.f
        axis = axis % len(x.shape)
        e = f.unary("exp", f.sub(x, f.reduce("max", x, axis)))
        return f.mul(e, f.unary("reciprocal", f.reduce("sum", e, axis)))

    def safe_softmax(self, x: V) -> V:
        """torch's _safe_softmax (SDPA math path): rows that are all -inf
        give 0 instead of NaN."""
        f = self.f
        one = (1,) * len(x.shape)
        s = self.softmax(x)
        masked = f.binary("equal", x, f.splat(float("-inf"), one), dt="i1")
        all_masked = f.reduce("all", masked, len(x.shape) - 1)
        return f.select(all_masked, f.splat(0.0, one), s)

    def gelu_tanh(self, x: V) -> V:
        f = self.f
        s = x.shape
        half, one, three = f.splat(0.5, s), f.splat(1.0, s), f.splat(3.0, s)
        c, two_pi = f.splat(0.044715, s), f.splat(2.0 / math.pi, s)
        a = f.mul(half, x)
        k = f.pow(two_pi, half)
        inner = f.mul(k, f.add(x, f.mul(c, f.pow(x, three))))
        return f.mul(a, f.add(f.unary("tanh", inner), one))

    def gelu_erf(self, x: V) -> V:
        f = self.f
        one = (1,) * len(x.shape)
        e = f.unary("erf", f.mul(x, f.splat(0.70710678118654757, one)))
        return f.mul(x, f.mul(f.splat(0.5, one), f.add(e, f.splat(1.0, one))))

    def embedding(self, ids: V, vocab: int, dim: int) -> V:
        f = self.f
        w = f.param((vocab, dim)) if not self.frozen else f.weight((1, vocab, dim))
        table = f.reshape(w, (1, vocab, dim)) if not self.frozen else w
        n = math.prod(ids.shape)
        idx = f.reshape(f.cast(ids, "i32"), (1, n))
        g = f.gather(table, idx)
        return f.reshape(g, ids.shape + (dim,))

    def heads(self, x: V, n_heads: int, perms=(0, 2, 1, 3)) -> V:
        b, s, e = x.shape
        return self.f.transpose(self.f.reshape(x, (b, s, n_heads, e // n_heads)), perms)

    def bmm4(self, a: V, b: V) -> V:
        """matmul of two 4-D tensors: reshape to (B*H) batches and back."""
        f = self.f
        B, H, M, K = a.shape
        N = b.shape[3]
        y = f.matmul(f.reshape(a, (B * H, M, K)), f.reshape(b, (B * H, K, N)))
        return f.reshape(y, (B, H, M, N))

    # -- convolution (NHWC inside, as after torch-mlir's transpose folding) --
    def conv_weight(self, cout: int, cin: int, k: int) -> V:
        f = self.f
        if self.frozen:
            return f.weight((cout, k, k, cin))
        return f.transpose(f.param((cout, cin, k, k)), (0, 2, 3, 1))

    def conv(self, x: V, cout: int, k: int, stride: int = 1, pad: int = 0) -> V:
        """x NHWC; torch Conv2d(bias=False) semantics (floor output size)."""
        f = self.f
        w = self.conv_weight(cout, x.shape[3], k)
        h = x.shape[1]
        out = (h + 2 * pad - k) // stride + 1
        extra = h + 2 * pad - k - (out - 1) * stride  # rows the window never reaches
        pb = pad - min(pad, extra)
        rest = extra - (pad - pb)
        if rest:
            x = f.slice(x, (0, 0, 0, 0), (x.shape[0], h - rest, x.shape[2] - rest, x.shape[3]))
        zero_bias = f.splat(0.0, (cout,))
        return f.conv2d(x, w, zero_bias, pad=(pad, pb, pad, pb), stride=(stride, stride))

    def batch_norm(self, x: V, layout: str, eps: float = 1e-5) -> V:
        f = self.f
        c = x.shape[3] if layout == "NHWC" else x.shape[1]
        bshape = (1, 1, 1, c) if layout == "NHWC" else (1, c, 1, 1)

        def folded(v):
            return v if self.frozen else f.reshape(v, bshape)

        gamma = self.vector(c, "gamma", bshape)
        beta = self.vector(c, "beta", bshape)
        mean = self.vector(c, "mean", bshape)
        var = self.vector(c, "var")
        if not self.frozen:
            f.buffer((), "i64")  # num_batches_tracked: an unused argument
        r = f.unary("reciprocal", f.pow(f.add(var, f.splat(eps, (1,))), f.splat(0.5, (1,))))
        y = f.sub(x, folded(mean))
        y = f.mul(y, f.reshape(r, bshape))
        y = f.mul(y, folded(gamma))
        return f.add(y, folded(beta))

    def relu(self, x: V) -> V:
        return self.f.clamp(x, 0.0, F32_MAX)
