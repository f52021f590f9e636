"""Attention: nn.MultiheadAttention and nn.TransformerEncoderLayer in eval mode. With
batch_first=True torch traces them under no_grad into the fused aten::_native_multi_head_attention
and aten::_transformer_encoder_layer_fwd; with batch_first=False (or different query and key),
an attn_mask, or autograd on ({"grad": True}, torch 2.x) into the decomposed ops around
aten::scaled_dot_product_attention, which also has fixtures of its own here."""
import torch
import torch.nn as nn
import torch.nn.functional as F

E, HEADS, FF = 16, 4, 32


class SelfAttention(nn.Module):
    """x attends to itself; returns the output, and the attention weights when asked."""

    def __init__(self, batch_first=True, need_weights=False, average=True):
        super().__init__()
        self.mha = nn.MultiheadAttention(E, HEADS, batch_first=batch_first)
        self.need_weights, self.average = need_weights, average

    def forward(self, x):
        out, w = self.mha(x, x, x, need_weights=self.need_weights, average_attn_weights=self.average)
        return (out, w) if self.need_weights else out


class CrossAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(E, HEADS, batch_first=True)

    def forward(self, q, kv):
        return self.mha(q, kv, kv, need_weights=False)[0]


# Key padding: True marks padded source positions (none fully padded: that row would be NaN).
PADDING = torch.tensor([[False, False, False, True, True], [False, False, False, False, True]])


class PaddedSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(E, HEADS, batch_first=True)
        self.register_buffer("padding", PADDING.clone())

    def forward(self, x):
        return self.mha(x, x, x, key_padding_mask=self.padding)


class PaddedEncoderLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(E, HEADS, FF, batch_first=True)
        self.register_buffer("padding", PADDING.clone())

    def forward(self, x):
        return self.layer(x, src_key_padding_mask=self.padding)


def layer(batch_first=True, norm_first=False, activation="relu"):
    def make():
        return nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.1, activation=activation,
                                          batch_first=batch_first, norm_first=norm_first)
    return make


def stack():
    inner = nn.TransformerEncoderLayer(E, HEADS, FF, activation="gelu", batch_first=True)
    return nn.TransformerEncoder(inner, 3, norm=nn.LayerNorm(E), enable_nested_tensor=False)


class Sdpa(nn.Module):
    """F.scaled_dot_product_attention(q, k, v, ...) with a constant mask (a buffer) or none."""

    def __init__(self, mask=None, **kwargs):
        super().__init__()
        self.mask = mask
        self.kwargs = kwargs

    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=self.mask, **self.kwargs)


class SdpaMaskInput(nn.Module):
    """The mask is a model input, so the converted model cannot know which rows are fully masked."""

    def forward(self, q, k, v, mask):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def bool_mask():
    """[L=6, S=7], True = attend; row 2 attends to nothing (PyTorch 2.x gives zeros there)."""
    m = torch.rand(6, 7, generator=torch.Generator().manual_seed(5)) > 0.4
    m[:, 0] = True
    m[2] = False
    return m


def float_mask():
    """Additive [2, 1, 6, 7]: random values, -inf in places, and one row all -inf."""
    g = torch.Generator().manual_seed(6)
    m = torch.randn(2, 1, 6, 7, generator=g)
    m[torch.rand(2, 1, 6, 7, generator=g) > 0.7] = float("-inf")
    m[..., 0] = 0.5
    m[1, 0, 4] = float("-inf")
    return m


class Transformer(nn.Module):
    """nn.Transformer with a causal target mask: encoder and decoder, self and cross attention."""

    def __init__(self):
        super().__init__()
        self.t = nn.Transformer(E, HEADS, 2, 2, FF, batch_first=True)
        self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(4))

    def forward(self, src, tgt):
        return self.t(src, tgt, tgt_mask=self.causal)


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(E, HEADS, batch_first=True)
        self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(5))

    def forward(self, x):
        return self.mha(x, x, x, attn_mask=self.causal, need_weights=False)[0]


Q4, KV4 = (2, 4, 6, 8), (2, 4, 7, 8)
GRAD = {"grad": True}
X = (2, 5, E)
FIXTURES = {
    "sdpa_plain_rank3": (Sdpa, [(3, 6, 8), (3, 7, 8), (3, 7, 5)]),
    "sdpa_causal": (lambda: Sdpa(is_causal=True), [Q4, Q4, Q4]),
    "sdpa_causal_longer_keys": (lambda: Sdpa(is_causal=True, scale=0.2), [(2, 6, 8), (2, 9, 8), (2, 9, 8)]),
    "sdpa_bool_mask": (lambda: Sdpa(bool_mask()), [Q4, KV4, KV4]),
    "sdpa_float_mask": (lambda: Sdpa(float_mask(), scale=0.5), [Q4, KV4, KV4]),
    "sdpa_mask_input_bool": (SdpaMaskInput, [Q4, KV4, KV4, {"shape": [2, 1, 6, 7], "dtype": "bool"}]),
    "sdpa_mask_input_float": (SdpaMaskInput, [Q4, KV4, KV4, (6, 7)]),
    "sdpa_gqa": (lambda: Sdpa(enable_gqa=True), [(2, 8, 6, 8), (2, 2, 7, 8), (2, 2, 7, 8)]),
    "sdpa_gqa_causal": (lambda: Sdpa(is_causal=True, enable_gqa=True), [(1, 6, 5, 4), (1, 3, 5, 4), (1, 3, 5, 4)]),

    "mha_self": (lambda: SelfAttention(), [X]),
    "mha_need_weights": (lambda: SelfAttention(need_weights=True), [X]),
    "mha_weights_per_head": (lambda: SelfAttention(need_weights=True, average=False), [X]),
    "mha_sequence_first": (lambda: SelfAttention(batch_first=False, need_weights=True), [X]),
    "mha_cross": (CrossAttention, [X, (2, 7, E)]),
    "mha_key_padding": (PaddedSelfAttention, [X]),
    "encoder_key_padding": (PaddedEncoderLayer, [X]),
    "encoder_post_norm_relu": (layer(), [X]),
    "encoder_post_norm_gelu": (layer(activation="gelu"), [X]),
    "encoder_pre_norm_relu": (layer(norm_first=True), [X]),
    "encoder_pre_norm_gelu": (layer(norm_first=True, activation="gelu"), [X]),
    "encoder_sequence_first": (layer(batch_first=False), [X]),
    "encoder_stack": (stack, [X]),
    "mha_causal_mask": (CausalSelfAttention, [X]),
    # Traced with autograd on: torch 2.x leaves the fast path, scaled_dot_product_attention.
    "mha_self_grad": (lambda: SelfAttention(), [X], GRAD),
    "mha_key_padding_grad": (PaddedSelfAttention, [X], GRAD),
    "encoder_key_padding_grad": (PaddedEncoderLayer, [X], GRAD),
    "encoder_pre_norm_gelu_grad": (layer(norm_first=True, activation="gelu"), [X], GRAD),
    "encoder_stack_grad": (stack, [X], GRAD),
    "transformer": (Transformer, [X, (2, 4, E)]),
    "transformer_grad": (Transformer, [X, (2, 4, E)], GRAD),
}
