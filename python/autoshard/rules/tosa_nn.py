"""Sharding rules for TOSA convolutions and pooling (NHWC / NDHWC).

Factors: batch, the output's spatial dimensions (read from the input through
a `Window`: a split needs a halo of neighbouring rows), output channels, and
for convolutions the input channels as a sum reduction (a split contraction
leaves partial sums, as matmul's k does).  Kernel taps are never split.
"""

from __future__ import annotations

from math import prod

from autoshard.rules.factor import Factor, FactorRule, OpInfo, numel, Window


def _ints(op: OpInfo, key: str, n: int) -> tuple[int, ...] | None:
    v = op.attr(key)
    if v is None or len(v) != n:
        return None
    return tuple(int(x) for x in v)


def _spatial(op: OpInfo, x, out, kernel, n_spatial, first_factor, *, dilation=None, pad_ok=None):
    """Factors and windows of the spatial output dimensions 1..n_spatial."""
    stride = _ints(op, "stride", n_spatial)
    pad = _ints(op, "pad", 2 * n_spatial)
    dil = dilation or _ints(op, "dilation", n_spatial) or (1,) * n_spatial
    if stride is None or pad is None:
        return None
    factors: list[Factor] = []
    windows: list[Window] = []
    dims: list[int | None] = []
    for i in range(n_spatial):
        lo, hi = pad[2 * i], pad[2 * i + 1]
        if pad_ok is not None and not pad_ok(lo, hi):
            dims.append(None)
            continue
        f = first_factor + len(factors)
        factors.append(Factor(f"o{'dhw'[3 - n_spatial + i]}", out.shape[1 + i]))
        windows.append(Window(0, 1 + i, f, stride[i], kernel[i], dil[i], lo, hi))
        dims.append(f)
    return factors, windows, dims


def _bias_dims(bias, channels: int, factor: int):
    """A per-channel bias follows the channel factor; a [1] bias broadcasts."""
    if bias is None or len(bias.shape) != 1 or bias.shape[0] != channels or channels == 1:
        return None
    return (factor,)


def conv(n_spatial: int):
    """conv2d (x [N,H,W,IC], w [OC,KH,KW,IC]) and conv3d (x [N,D,H,W,IC],
    w [OC,KD,KH,KW,IC]); operands: input, weight, bias, input_zp, weight_zp."""

    def rule(op: OpInfo) -> FactorRule | None:
        x, w, out = op.operands[0], op.operands[1], op.results[0]
        rank = n_spatial + 2
        if x is None or w is None or out is None or len(x.shape) != rank or len(w.shape) != rank:
            return None
        N, IC, OC = x.shape[0], x.shape[-1], w.shape[0]
        kernel = w.shape[1:-1]
        spatial = _spatial(op, x, out, kernel, n_spatial, 1)
        if spatial is None:
            return None
        sp_factors, windows, sp_dims = spatial
        f_oc, f_ic = 1 + len(sp_factors), 2 + len(sp_factors)
        factors = (Factor("n", N), *sp_factors, Factor("oc", OC), Factor("ic", IC, reduction="sum"))
        operands = (
            (0, *sp_dims, f_ic),
            (f_oc, *(None,) * n_spatial, f_ic),
            _bias_dims(op.operands[2], OC, f_oc),
        ) + (None,) * (len(op.operands) - 3)
        result = (0, *sp_dims, f_oc)
        flops = 2 * numel(out.shape) * prod(kernel) * IC
        return FactorRule(factors, operands, (result,), flops, tuple(windows), tuple(t.shape if t else None for t in op.operands))

    return rule


def depthwise_conv2d(op: OpInfo) -> FactorRule | None:
    """x [N,H,W,C], w [KH,KW,C,M] -> [N,OH,OW,C*M] (channel c*M + m): the
    input channel factor splits the output channels in blocks of M."""
    x, w, out = op.operands[0], op.operands[1], op.results[0]
    if x is None or w is None or out is None or len(x.shape) != 4 or len(w.shape) != 4:
        return None
    N, C, M = x.shape[0], x.shape[3], w.shape[3]
    spatial = _spatial(op, x, out, w.shape[0:2], 2, 1)
    if spatial is None:
        return None
    sp_factors, windows, sp_dims = spatial
    f_c = 1 + len(sp_factors)
    factors = (Factor("n", N), *sp_factors, Factor("c", C))
    operands = (
        (0, *sp_dims, f_c),
        (None, None, f_c, None),
        _bias_dims(op.operands[2], C * M, f_c),
    ) + (None,) * (len(op.operands) - 3)
    flops = 2 * numel(out.shape) * w.shape[0] * w.shape[1]
    return FactorRule(factors, operands, ((0, *sp_dims, f_c),), flops, tuple(windows),
                      tuple(t.shape if t else None for t in op.operands))


def transpose_conv2d(op: OpInfo) -> FactorRule | None:
    """x [N,IH,IW,IC], w [OC,KH,KW,IC] -> [N,OH,OW,OC]: batch, output
    channels and (a sum reduction) input channels.  Spatial dimensions are
    not split: each output row gathers input rows through the stride, which
    no uniform halo describes."""
    x, w, out = op.operands[0], op.operands[1], op.results[0]
    if x is None or w is None or out is None or len(x.shape) != 4 or len(w.shape) != 4:
        return None
    N, IC, OC = x.shape[0], x.shape[3], w.shape[0]
    factors = (Factor("n", N), Factor("oc", OC), Factor("ic", IC, reduction="sum"))
    operands = ((0, None, None, 2), (1, None, None, 2), _bias_dims(op.operands[2], OC, 1)) + (None,) * (len(op.operands) - 3)
    flops = 2 * numel(x.shape) * w.shape[1] * w.shape[2] * OC
    return FactorRule(factors, operands, ((0, None, None, 1),), flops)


def pool(kind: str):
    """max_pool2d / avg_pool2d: x [N,H,W,C] -> [N,OH,OW,C].  avg_pool2d
    divides by the number of real (unpadded) elements under the window, which
    differs on the devices at the edge: its spatial dimensions are split only
    where they have no padding."""

    def rule(op: OpInfo) -> FactorRule | None:
        x, out = op.operands[0], op.results[0]
        kernel = _ints(op, "kernel", 2)
        if x is None or out is None or len(x.shape) != 4 or kernel is None:
            return None
        pad_ok = (lambda lo, hi: lo == 0 and hi == 0) if kind == "avg" else None
        spatial = _spatial(op, x, out, kernel, 2, 1, dilation=(1, 1), pad_ok=pad_ok)
        if spatial is None:
            return None
        sp_factors, windows, sp_dims = spatial
        f_c = 1 + len(sp_factors)
        factors = (Factor("n", x.shape[0]), *sp_factors, Factor("c", x.shape[3]))
        operands = ((0, *sp_dims, f_c),) + (None,) * (len(op.operands) - 1)
        flops = numel(out.shape) * prod(kernel)
        return FactorRule(factors, operands, ((0, *sp_dims, f_c),), flops, tuple(windows),
                          tuple(t.shape if t else None for t in op.operands))

    return rule


RULES = {
    "tosa.conv2d": conv(2),
    "tosa.conv3d": conv(3),
    "tosa.depthwise_conv2d": depthwise_conv2d,
    "tosa.transpose_conv2d": transpose_conv2d,
    "tosa.max_pool2d": pool("max"),
    "tosa.avg_pool2d": pool("avg"),
}
