"""Recurrent layers: nn.LSTM, nn.GRU and nn.RNN (aten::lstm, aten::gru, aten::rnn_tanh,
aten::rnn_relu). Without state inputs (and with an LSTM's c_n unused) an LSTM becomes the fused
UNIDIRECTIONAL/BIDIRECTIONAL_SEQUENCE_LSTM and an RNN UNIDIRECTIONAL_SEQUENCE_RNN, whose variable
states start at zero in a fresh interpreter, as in PyTorch; GRU, states in, c_n out, and
"convert_args": ["--unroll-rnn"] take the unrolled form. Streaming over consecutive invocations
is tested by test_rnn_streaming.py."""
import torch.nn as nn

I, H = 8, 16
SEQ = (5, 2, I)  # [T, B, I]
SEQ_BF = (2, 5, I)  # [B, T, I]


class Seq(nn.Module):
    """Runs a recurrent layer; returns its output only (states="none"), also the final states
    ("out"; "out_h": only an LSTM's h_n), or takes initial states as inputs and returns the
    final ones ("inout")."""

    def __init__(self, layer, states="none"):
        super().__init__()
        self.rnn, self.states = layer, states

    def forward(self, x, *hx):
        if self.states == "inout":
            y, s = self.rnn(x, hx if isinstance(self.rnn, nn.LSTM) else hx[0])
        else:
            y, s = self.rnn(x)
        if self.states == "none":
            return y
        if self.states == "out_h":
            return y, s[0]
        return (y, *s) if isinstance(s, tuple) else (y, s)


def seq(cls, states="none", **kw):
    return lambda: Seq(cls(I, H, **kw), states)


class Tagger(nn.Module):
    """Token ids -> embedding -> bidirectional LSTM -> per-token tag scores."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(50, 12)
        self.lstm = nn.LSTM(12, H, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * H, 5)

    def forward(self, tokens):
        return self.head(self.lstm(self.emb(tokens))[0])


class LastHidden(nn.Module):
    """Classifies a sequence from the last layer's final hidden state (h_n[-1]); c_n unused."""

    def __init__(self, layer):
        super().__init__()
        self.rnn, self.head = layer, nn.Linear(H, 3)

    def forward(self, x):
        _, s = self.rnn(x)
        h = s[0] if isinstance(s, tuple) else s
        return self.head(h[-1])


UNROLL = {"convert_args": ["--unroll-rnn"]}
SEPARATED = {"convert_args": ["--unroll-rnn", "--separated-rnn-gate-calc"]}
MAP_BILSTM = {"convert_args": ["--map-bilstm-to-lstm"]}


def dynamic_range(op, *args):
    """--dynamic-range options: `op` must come out hybrid; tolerance 2e-2 (see below)."""
    return {"convert_args": ["--dynamic-range", *args], "rel_tol": 2e-2, "hybrid_ops": [op]}


def states(n, units=H, batch=2):
    return [(n, batch, units)] * 2


FIXTURES = {
    # LSTM, fused
    "lstm_1l": (seq(nn.LSTM), [SEQ]),
    "lstm_2l_bf": (seq(nn.LSTM, num_layers=2, batch_first=True), [SEQ_BF]),
    "lstm_3l": (seq(nn.LSTM, num_layers=3), [SEQ]),
    "lstm_bidir": (seq(nn.LSTM, bidirectional=True), [SEQ]),
    "lstm_2l_bidir_bf": (seq(nn.LSTM, num_layers=2, bidirectional=True, batch_first=True), [SEQ_BF]),
    "lstm_2l_bidir_map": (seq(nn.LSTM, num_layers=2, bidirectional=True), [SEQ], MAP_BILSTM),
    "lstm_no_bias": (seq(nn.LSTM, num_layers=2, bias=False), [SEQ]),
    "lstm_proj": (seq(nn.LSTM, num_layers=2, proj_size=6, batch_first=True), [SEQ_BF]),
    "lstm_proj_bidir": (seq(nn.LSTM, proj_size=6, bidirectional=True), [SEQ]),
    # h_n read, c_n not: still fused, h_n sliced from the layers' outputs
    "lstm_hn_classifier": (lambda: LastHidden(nn.LSTM(I, H, 2, batch_first=True)), [SEQ_BF]),
    "lstm_hn_2l_bidir": (lambda: Seq(nn.LSTM(I, H, 2, bidirectional=True), "out_h"), [SEQ]),
    "lstm_hn_proj_bidir_bf": (lambda: Seq(nn.LSTM(I, H, proj_size=6, bidirectional=True, batch_first=True), "out_h"),
                              [SEQ_BF]),
    "rnn_hn_2l_bidir_bf": (seq(nn.RNN, "out", num_layers=2, bidirectional=True, batch_first=True), [SEQ_BF]),
    # LSTM with c_n read or states given: unrolled whatever the options
    "lstm_states_out": (seq(nn.LSTM, "out", num_layers=2), [SEQ]),
    "lstm_states_inout": (seq(nn.LSTM, "inout", num_layers=2, batch_first=True), [SEQ_BF] + states(2)),
    "lstm_states_bidir_proj": (seq(nn.LSTM, "inout", bidirectional=True, proj_size=6), [SEQ, (2, 2, 6), (2, 2, H)]),
    # LSTM, unrolled
    "lstm_unrolled": (seq(nn.LSTM, num_layers=2, batch_first=True), [SEQ_BF], UNROLL),
    "lstm_unrolled_3l_bidir": (seq(nn.LSTM, num_layers=3, bidirectional=True), [SEQ], UNROLL),
    "lstm_unrolled_proj": (seq(nn.LSTM, proj_size=6, bias=False), [SEQ], UNROLL),
    "lstm_separated": (seq(nn.LSTM, num_layers=2, bidirectional=True), [SEQ], SEPARATED),
    "lstm_separated_states": (seq(nn.LSTM, "inout", num_layers=2), [SEQ] + states(2), SEPARATED),
    # GRU: always unrolled
    "gru_1l": (seq(nn.GRU), [SEQ]),
    "gru_2l_bf": (seq(nn.GRU, num_layers=2, batch_first=True), [SEQ_BF]),
    "gru_3l_bidir": (seq(nn.GRU, num_layers=3, bidirectional=True), [SEQ]),
    "gru_no_bias": (seq(nn.GRU, bias=False, batch_first=True), [SEQ_BF]),
    "gru_states_out": (seq(nn.GRU, "out", num_layers=2, bidirectional=True), [SEQ]),
    "gru_states_inout": (seq(nn.GRU, "inout", num_layers=2), [SEQ, (2, 2, H)]),
    "gru_separated": (seq(nn.GRU, num_layers=2, bidirectional=True), [SEQ], SEPARATED),
    # RNN: fused UNIDIRECTIONAL_SEQUENCE_RNN, or unrolled
    "rnn_tanh": (seq(nn.RNN), [SEQ]),
    "rnn_relu_2l_bidir_bf": (seq(nn.RNN, num_layers=2, nonlinearity="relu", bidirectional=True, batch_first=True),
                             [SEQ_BF]),
    "rnn_no_bias": (seq(nn.RNN, bias=False), [SEQ]),
    "rnn_states_inout": (seq(nn.RNN, "inout", num_layers=2), [SEQ, (2, 2, H)]),
    "rnn_unrolled": (seq(nn.RNN, num_layers=2, nonlinearity="relu"), [SEQ], UNROLL),
    # --dynamic-range: int8 weights in the hybrid LSTM kernel. Tolerance 2e-2, the weight
    # quantization bound of test_weight_quantization.py (weights to 1/127 of their range, inputs
    # rows to 1/255 of theirs in the hybrid kernel); a wrong scale is off by >> 1.
    # "hybrid_ops": those ops must come out with int8 weights (else the test could pass on float).
    "lstm_dynamic_range": (lambda: Seq(nn.LSTM(I, 64, 2, batch_first=True)), [SEQ_BF],
                           dynamic_range("UNIDIRECTIONAL_SEQUENCE_LSTM")),
    "lstm_dynamic_range_bidir_proj": (seq(nn.LSTM, bidirectional=True, proj_size=6), [SEQ],
                                      dynamic_range("UNIDIRECTIONAL_SEQUENCE_LSTM", "--map-bilstm-to-lstm")),
    # BIDIRECTIONAL_SEQUENCE_LSTM and UNIDIRECTIONAL_SEQUENCE_RNN hybrid
    "lstm_dynamic_range_bidir": (seq(nn.LSTM, num_layers=2, bidirectional=True), [SEQ],
                                 dynamic_range("BIDIRECTIONAL_SEQUENCE_LSTM")),
    "lstm_dynamic_range_bidir_bf_proj": (seq(nn.LSTM, bidirectional=True, batch_first=True, proj_size=6), [SEQ_BF],
                                         dynamic_range("BIDIRECTIONAL_SEQUENCE_LSTM")),
    "rnn_dynamic_range": (seq(nn.RNN, num_layers=2, batch_first=True), [SEQ_BF],
                          dynamic_range("UNIDIRECTIONAL_SEQUENCE_RNN")),
    "rnn_relu_dynamic_range_bidir": (seq(nn.RNN, nonlinearity="relu", bidirectional=True), [SEQ],
                                     dynamic_range("UNIDIRECTIONAL_SEQUENCE_RNN")),
    # embedding + LSTM with int64 tokens
    "lstm_tagger": (Tagger, [{"shape": [2, 7], "dtype": "int64", "high": 50}]),
}
