"""The torch models of the corpus, as torch-mlir lowers them (see
torch_style.py for the per-op lowerings).  Each function returns a Func."""

from __future__ import annotations

import numpy as np

from tosa_builder import Func
from torch_style import Torch


def _causal_mask(t: Torch, s: int):
    """GPT-2's registered `bias` buffer tril(ones(S, S)) as uint8: a constant
    with its data in both the plain and the frozen export."""
    f = t.f
    tril = np.tril(np.ones((s, s), dtype=np.uint8)).reshape(-1)
    m = f.blob(f"torch_tensor_1_1_{s}_{s}_torch.uint8", tril, (1, 1, s, s), "i8")
    return f.cast(m, "i1")


def _gpt2_mlp(t: Torch, x):
    h = t.linear(x, 4 * x.shape[-1])
    return t.linear(t.gelu_tanh(h), x.shape[-1])


def _gpt2_attention_eager(t: Torch, x, n_heads: int, mask):
    """HF GPT2Attention (eager): c_attn, split, q.k^T / sqrt(d), causal
    select with -inf, softmax, @v, merge heads, c_proj."""
    f = t.f
    b, s, e = x.shape
    qkv = t.linear(x, 3 * e)
    q, k, v = (f.slice(qkv, (0, 0, i * e), (b, s, e)) for i in range(3))
    q = t.heads(q, n_heads)
    v = t.heads(v, n_heads)
    kt = t.heads(k, n_heads, (0, 2, 3, 1))  # k.transpose(-1, -2) folded into the head split
    scores = f.mul(t.bmm4(q, kt), f.splat(1.0 / np.sqrt(e // n_heads), (1, 1, 1, 1)))
    scores = f.select(mask, scores, f.splat(float("-inf"), (1, 1, 1, 1)))
    ctx = t.bmm4(t.softmax(scores), v)
    ctx = f.reshape(f.transpose(ctx, (0, 2, 1, 3)), (1, b * s, e))
    return t.linear(ctx, e, out_shape=(b, s, e))


def _sdpa(t: Torch, q, k, v, bias=None, mask=None):
    """F.scaled_dot_product_attention through torch's math decomposition:
    q and k^T each scaled by sqrt(1/sqrt(d)), the mask added as a -inf
    bias, _safe_softmax, @v."""
    f = t.f
    d = q.shape[-1]
    root = f.splat(float(np.sqrt(1.0 / np.sqrt(d))), (1, 1, 1, 1))
    qs = f.mul(q, root)
    ks = f.mul(f.transpose(k, (0, 1, 3, 2)), root)
    scores = t.bmm4(qs, ks)
    if mask is not None:
        bias = f.select(mask, f.splat(0.0, (1, 1, 1, 1)), f.splat(float("-inf"), (1, 1, 1, 1)))
    if bias is not None:
        scores = f.add(scores, bias)
    return t.bmm4(t.safe_softmax(scores), v)


def _gpt2_attention_sdpa(t: Torch, x, n_heads: int, mask):
    f = t.f
    b, s, e = x.shape
    qkv = t.linear(x, 3 * e)
    q, k, v = (t.heads(f.slice(qkv, (0, 0, i * e), (b, s, e)), n_heads) for i in range(3))
    ctx = _sdpa(t, q, k, v, mask=mask)
    ctx = f.reshape(f.transpose(ctx, (0, 2, 1, 3)), (1, b * s, e))
    return t.linear(ctx, e, out_shape=(b, s, e))


def _gpt2_block(t: Torch, x, n_heads: int, mask, sdpa: bool):
    f = t.f
    attn = _gpt2_attention_sdpa if sdpa else _gpt2_attention_eager
    x = f.add(x, attn(t, t.layer_norm(x), n_heads, mask))
    return f.add(x, _gpt2_mlp(t, t.layer_norm(x)))


def gpt2_block_sdpa(frozen: bool) -> Func:
    """GPT-2 block (768 wide, 12 heads, seq 128, batch 2) whose attention
    calls F.scaled_dot_product_attention(is_causal=True)."""
    f = Func("gpt2_block_sdpa")
    t = Torch(f, frozen, seed=1)
    x = f.input((2, 128, 768))
    mask = _causal_mask(t, 128)
    f.ret(_gpt2_block(t, x, 12, mask, sdpa=True))
    return f


def gpt2_2layer(frozen: bool) -> Func:
    """2-layer GPT-2 LM (vocab 50257, 768 wide, 12 heads) on 1x128 token
    ids with a padding mask: wte/wpe embeddings, causal & padding mask from
    comparisons, ln_f, lm_head tied to wte (logits 1x128x50257)."""
    f = Func("gpt2_2layer")
    t = Torch(f, frozen, seed=2)
    vocab, e, s = 50257, 768, 128
    ids = f.input((1, s), "i64")
    attn_mask = f.input((1, s), "i64")
    tok = t.embedding(ids, vocab, e)
    wte = f.params[-1][0] if not frozen else None
    pos_ids = f.dense(range(s), (1, s), "i64")
    x = f.add(tok, t.embedding(pos_ids, 1024, e))
    # causal = pos[:, None] >= pos[None, :]; keep = causal & attention_mask[:, None, None, :]
    rows = f.reshape(pos_ids, (1, 1, s, 1))
    cols = f.reshape(pos_ids, (1, 1, 1, s))
    causal = f.binary("greater_equal", rows, cols, dt="i1")
    pad = f.cast(f.reshape(attn_mask, (1, 1, 1, s)), "i1")
    mask = f.binary("logical_and", causal, pad, dt="i1")
    for _ in range(2):
        x = _gpt2_block(t, x, 12, mask, sdpa=False)
    x = t.layer_norm(x)
    # lm_head shares wte: logits = x @ wte^T
    if frozen:
        w = f.weight((1, e, vocab))
    else:
        w = f.reshape(f.transpose(wte, (1, 0)), (1, e, vocab))
    logits = f.matmul(f.reshape(x, (1, s, e)), w)
    f.ret(logits)
    return f


def bert_layer(frozen: bool) -> Func:
    """HF BertLayer (eager attention, 768 wide, 12 heads, intermediate 3072,
    erf-GELU, post-LayerNorm eps 1e-12) on 2x128 with the extended additive
    attention mask (2x1x1x128) as an input."""
    f = Func("bert_layer")
    t = Torch(f, frozen, seed=3)
    b, s, e, h = 2, 128, 768, 12
    x = f.input((b, s, e))
    ext_mask = f.input((b, 1, 1, s))
    q = t.heads(t.linear(x, e), h)
    k = t.heads(t.linear(x, e), h, (0, 2, 3, 1))
    v = t.heads(t.linear(x, e), h)
    scores = f.mul(t.bmm4(q, k), f.splat(0.125, (1, 1, 1, 1)))
    probs = t.softmax(f.add(scores, ext_mask))
    ctx = f.reshape(f.transpose(t.bmm4(probs, v), (0, 2, 1, 3)), (b, s, e))
    attn_out = t.layer_norm(f.add(t.linear(ctx, e), x), eps=1e-12)
    inter = t.gelu_erf(t.linear(attn_out, 4 * e))
    f.ret(t.layer_norm(f.add(t.linear(inter, e), attn_out), eps=1e-12))
    return f


def transformer_encoder_layer(frozen: bool) -> Func:
    """nn.TransformerEncoderLayer(d_model=512, nhead=8, dim_feedforward=2048,
    batch_first=True), eval, called with a float causal src_mask (128x128)
    on 4x128: the slow path of F.multi_head_attention_forward (packed
    in_proj, (L, B*H, D) head layout, the mask expanded to (B, H, L, S) by
    tosa.tile, SDPA math), then the post-norm feed-forward (ReLU)."""
    f = Func("transformer_encoder_layer")
    t = Torch(f, frozen, seed=4)
    b, s, e, h = 4, 128, 512, 8
    d = e // h
    x = f.input((b, s, e))
    src_mask = f.input((s, s))
    xt = f.transpose(x, (1, 0, 2))  # batch_first: query.transpose(1, 0)
    proj = t.linear(xt, 3 * e)  # (L, B, 3E)
    proj = f.transpose(f.reshape(proj, (s, b, 3, e)), (2, 0, 1, 3))  # unflatten, unsqueeze, transpose, squeeze
    q, k, v = (f.reshape(f.slice(proj, (i, 0, 0, 0), (1, s, b, e)), (s, b * h, d)) for i in range(3))
    q, k, v = (f.reshape(f.transpose(y, (1, 0, 2)), (b, h, s, d)) for y in (q, k, v))
    bias = f.tile(f.reshape(src_mask, (1, 1, s, s)), (b, h, 1, 1))
    ctx = _sdpa(t, q, k, v, bias=bias)  # (B, H, L, D)
    ctx = f.reshape(f.transpose(ctx, (2, 0, 1, 3)), (s * b, e))
    attn = f.reshape(t.linear(ctx, e), (s, b, e))
    attn = f.transpose(attn, (1, 0, 2))
    x = t.layer_norm(f.add(x, attn))
    ff = t.linear(t.relu(t.linear(x, 2048)), e)
    f.ret(t.layer_norm(f.add(x, ff)))
    return f


def _basic_block(t: Torch, x_nchw, cout: int, stride: int):
    """torchvision BasicBlock.  conv1-bn1-relu-conv2 stay NHWC (the
    transposes between them cancel); bn2, the residual add and the last relu
    happen in NCHW, where the identity lives."""
    f = t.f
    cin = x_nchw.shape[1]
    x = f.transpose(x_nchw, (0, 2, 3, 1))
    y = t.relu(t.batch_norm(t.conv(x, cout, 3, stride, 1), "NHWC"))
    y = f.transpose(t.conv(y, cout, 3, 1, 1), (0, 3, 1, 2))
    y = t.batch_norm(y, "NCHW")
    if stride != 1 or cin != cout:
        idn = f.transpose(t.conv(x, cout, 1, stride, 0), (0, 3, 1, 2))
        idn = t.batch_norm(idn, "NCHW")
    else:
        idn = x_nchw
    return t.relu(f.add(y, idn))


def resnet_basic_block_s2(frozen: bool) -> Func:
    """torchvision BasicBlock(64 -> 128, stride 2) with its conv1x1-BN
    downsample, on 1x64x56x56 (NCHW)."""
    f = Func("resnet_basic_block_s2")
    t = Torch(f, frozen, seed=5)
    x = f.input((1, 64, 56, 56))
    f.ret(_basic_block(t, x, 128, 2))
    return f


def resnet_small(frozen: bool) -> Func:
    """A small torchvision-style ResNet on 1x3x128x128: conv7x7/2-BN-ReLU,
    maxpool 3x3/2, BasicBlocks 64, 64, 128/2, 256/2, adaptive avgpool,
    fc 256 -> 10."""
    f = Func("resnet_small")
    t = Torch(f, frozen, seed=6)
    x = f.input((1, 3, 128, 128))
    y = f.transpose(x, (0, 2, 3, 1))
    y = t.relu(t.batch_norm(t.conv(y, 64, 7, 2, 3), "NHWC"))
    y = f.max_pool2d(y, (3, 3), (2, 2), (1, 0, 1, 0))
    y = f.transpose(y, (0, 3, 1, 2))
    for cout, stride in ((64, 1), (64, 1), (128, 2), (256, 2)):
        y = _basic_block(t, y, cout, stride)
    # AdaptiveAvgPool2d((1, 1)): NHWC avg_pool2d over the whole map
    pooled = f.avg_pool2d(f.transpose(y, (0, 2, 3, 1)), (8, 8), (1, 1), (0, 0, 0, 0))
    flat = f.reshape(f.transpose(pooled, (0, 3, 1, 2)), (1, 256))
    f.ret(t.linear(flat, 10))
    return f


MODELS = {
    "gpt2_block_sdpa": gpt2_block_sdpa,
    "gpt2_2layer": gpt2_2layer,
    "bert_layer": bert_layer,
    "transformer_encoder_layer": transformer_encoder_layer,
    "resnet_basic_block_s2": resnet_basic_block_s2,
    "resnet_small": resnet_small,
}
