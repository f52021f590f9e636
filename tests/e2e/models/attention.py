"""Attention: nn.MultiheadAttention and nn.TransformerEncoderLayer in eval mode. With
batch_first=True torch 1.13 traces them into the fused aten::_native_multi_head_attention and
aten::_transformer_encoder_layer_fwd; with batch_first=False (or different query and key) into
the decomposed linear/bmm/softmax ops."""
import torch
import torch.nn as nn

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


X = (2, 5, E)
FIXTURES = {
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
}
