"""The Keras -> TFLite -> TOSA models of the corpus (tflite_style.py has the
per-op legalizations).  Each function returns a Func."""

from __future__ import annotations

import math

from tosa_builder import Func
from tflite_style import Tfl, model_input, new_func


def mlp_int8() -> Func:
    """Keras MLP (Dense 1024->4096, gelu(approximate=True), Dense 4096->1024)
    on 4x128x1024, full-integer int8: GELU becomes one tosa.table."""
    f = new_func()
    q = Tfl(f)
    x = q.set_zp(model_input(f, (4, 128, 1024), "i8"), -1)
    h = q.dense_q(x, 4096, out_zp=-20)
    g = q.table_q(h, lambda v: 0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3))), 0.05, 0.03, -6)
    f.ret(q.dense_q(g, 1024, out_zp=2))
    return f


def _attention_fp32(q: Tfl, x, n_heads: int):
    f = q.f
    b, s, e = x.shape
    d = e // n_heads

    def heads(y, perms=(0, 2, 1, 3)):
        return f.transpose(f.reshape(y, (b, s, n_heads, d)), perms)

    qh = heads(f.mul(q.dense(x, e), f.splat(1.0 / math.sqrt(d), (1, 1, 1))))
    kh = heads(q.dense(x, e), (0, 2, 3, 1))
    vh = heads(q.dense(x, e))
    scores = q.batch_matmul(qh, kh)
    # The causal mask folded into an additive constant (0 / -1e9).
    scores = f.add(scores, f.weight((1, 1, s, s)))
    ctx = q.batch_matmul(q.softmax(scores), vh)
    ctx = f.reshape(f.transpose(ctx, (0, 2, 1, 3)), (b, s, e))
    return q.dense(ctx, e)


def gpt2_block_fp32() -> Func:
    """Keras GPT-2 block (pre-LN, 768 wide, 12 heads, causal, gelu tanh) on
    2x128x768, fp32."""
    f = new_func()
    q = Tfl(f)
    x = model_input(f, (2, 128, 768))
    x1 = f.add(x, _attention_fp32(q, q.layer_norm(x), 12))
    h = q.dense(q.gelu_tanh(q.dense(q.layer_norm(x1), 3072)), 768)
    f.ret(f.add(x1, h))
    return f


def gpt2_block_int8() -> Func:
    """The same Keras GPT-2 block (batch 1) quantized to full int8:
    rescale chains around every add/mul/mean, int8 batch matmuls, the
    fixed-point int8 softmax, GELU and rsqrt as tables, the causal mask a
    select against the lowest int8 value."""
    f = new_func()
    q = Tfl(f)
    b, s, e, n_heads = 1, 128, 768, 12
    d = e // n_heads
    x = q.set_zp(model_input(f, (b, s, e), "i8"), 3)

    def heads(y, perms=(0, 2, 1, 3)):
        return q.keep_zp(y, f.transpose(q.keep_zp(y, f.reshape(y, (b, s, n_heads, d))), perms))

    ln = q.layer_norm_q(x)
    qh = heads(q.dense_q(ln, e, out_zp=-7))
    kh = heads(q.dense_q(ln, e, out_zp=5), (0, 2, 3, 1))
    vh = heads(q.dense_q(ln, e, out_zp=1))
    scores = q.batch_matmul_q(qh, kh, out_zp=10)
    mask = f.weight((1, 1, s, s), "i1")
    scores = q.set_zp(f.select(mask, scores, f.splat(-128, (1, 1, 1, 1), "i8")), 10)
    probs = q.softmax_q(scores)
    ctx = q.batch_matmul_q(probs, vh, out_zp=-2)
    ctx = q.keep_zp(ctx, f.reshape(q.keep_zp(ctx, f.transpose(ctx, (0, 2, 1, 3))), (b, s, e)))
    x1 = q.add_q(x, q.dense_q(ctx, e, out_zp=0), out_zp=4)
    h = q.dense_q(q.layer_norm_q(x1), 4 * e, out_zp=-30)
    g = q.table_q(h, lambda v: 0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3))), 0.05, 0.03, -6)
    f.ret(q.add_q(x1, q.dense_q(g, e, out_zp=-1), out_zp=2))
    return f


def _block(q: Tfl, x, cout: int, stride: int):
    """Keras ResNet basic block, BN folded into the convs, NHWC."""
    f = q.f
    y = q.conv(x, cout, 3, stride)
    y = q.conv(y, cout, 3, 1, relu=False)
    idn = q.conv(x, cout, 1, stride, padding="valid", relu=False) if stride != 1 or x.shape[3] != cout else x
    if x.dt == "i8":
        return q.set_zp(f.clamp(q.add_q(y, idn, out_zp=-128), -128, 127), -128)
    return f.clamp(f.add(y, idn), 0.0, "3.40282347E+38")


def resnet_basic_block_int8() -> Func:
    """The Keras ResNet basic block of tflite/resnet_basic_block.fp32
    (1x56x56x64, conv3x3-BN-ReLU x2 + identity), full int8."""
    f = new_func()
    q = Tfl(f)
    x = q.set_zp(model_input(f, (1, 56, 56, 64), "i8"), -128)
    f.ret(_block(q, x, 64, 1))
    return f


def _resnet_small(quant: bool) -> Func:
    """Keras ResNet-style classifier on 1x128x128x3, stem as in
    keras.applications.ResNet: ZeroPadding2D(3), Conv 7x7/2 'valid' (BN
    folded, ReLU), ZeroPadding2D(1), MaxPool 3x3/2 'valid'; then blocks 64,
    64, 128/2, 256/2, GlobalAveragePooling2D, Dense 256 -> 10."""
    f = new_func()
    q = Tfl(f)
    x = model_input(f, (1, 128, 128, 3), "i8" if quant else "f32")
    if quant:
        q.set_zp(x, -1)
    y = q.zero_pad(x, 3)
    y = q.conv(y, 64, 7, 2, padding="valid")
    y = q.zero_pad(y, 1)
    y = q.max_pool_valid(y, 3, 2)
    for cout, stride in ((64, 1), (64, 1), (128, 2), (256, 2)):
        y = _block(q, y, cout, stride)
    pooled = q.set_zp(q.mean_hw(y), -128)
    if not quant:
        f.ret(q.dense(pooled, 10))
    else:
        f.ret(q.dense_q(pooled, 10, out_zp=7))
    return f


def resnet_small_fp32() -> Func:
    return _resnet_small(False)


def resnet_small_int8() -> Func:
    return _resnet_small(True)


MODELS = {
    "mlp.int8": mlp_int8,
    "gpt2_block.fp32": gpt2_block_fp32,
    "gpt2_block.int8": gpt2_block_int8,
    "resnet_basic_block.int8": resnet_basic_block_int8,
    "resnet_small.fp32": resnet_small_fp32,
    "resnet_small.int8": resnet_small_int8,
}
