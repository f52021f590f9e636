"""Recurrent layers in quantized PyTorch models, compared in quantization steps (spec option
"quantized": a float output made by a hybrid layer is held to 2 steps of 8 bits of its range,
the weight quantization bound).

- quantize_dynamic(model, {nn.LSTM, nn.GRU}, dtype=torch.qint8): aten::quantized_lstm becomes
  the hybrid UNIDIRECTIONAL/BIDIRECTIONAL_SEQUENCE_LSTM with PyTorch's int8 weights and scales
  (traced and scripted); with states in/out, and aten::quantized_gru, unrolled over time with
  hybrid FULLY_CONNECTED ops.
- An LSTM between the quantized layers of a statically quantized model (QuantStub -> quantized
  conv/linear -> DeQuantStub -> nn.LSTM -> QuantStub -> quantized linear -> DeQuantStub): the
  LSTM stays float between DEQUANTIZE and QUANTIZE.
"""
import torch
import torch.ao.quantization as tq
import torch.nn as nn

from rnn import I, H, SEQ, SEQ_BF, Seq, states

Q = {"quantized": True}


def hybrid(*ops, **more):
    """Quantized comparison, and `ops` must have int8 weights in the converted model."""
    return {"quantized": True, "hybrid_ops": list(ops), **more}


LSTM1, LSTM2, FC = "UNIDIRECTIONAL_SEQUENCE_LSTM", "BIDIRECTIONAL_SEQUENCE_LSTM", "FULLY_CONNECTED"


def dynamic(body):
    """body() with its LSTM/GRU layers dynamically quantized (int8 weights, qnnpack engine)."""

    def factory():
        torch.backends.quantized.engine = "qnnpack"
        return tq.quantize_dynamic(body().eval(), {nn.LSTM, nn.GRU}, dtype=torch.qint8)

    return factory


class Output(nn.Module):
    """The recurrent layer's output only, in a forward() torch.jit.script compiles."""

    def __init__(self, layer):
        super().__init__()
        self.rnn = layer

    def forward(self, x):
        return self.rnn(x)[0]


class LstmStates(nn.Module):
    """Takes an LSTM's initial states, returns its output and final states (a quantized LSTM is
    no nn.LSTM, so rnn.Seq would not pass it both)."""

    def __init__(self, layer):
        super().__init__()
        self.rnn = layer

    def forward(self, x, h0, c0):
        y, (h, c) = self.rnn(x, (h0, c0))
        return y, h, c


def dyn(cls, states_io="none", **kw):
    return dynamic(lambda: Seq(cls(I, H, **kw), states_io))


class ConvLstmHead(nn.Module):
    """Keyword-spotting shaped: a quantized 1-D convolution over [B, C, T] features, the float
    LSTM over time, a quantized classifier per step."""

    def __init__(self, bidirectional=False):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv = nn.Conv1d(I, 12, 3, padding=1)
        self.relu = nn.ReLU()
        self.dequant_lstm = tq.DeQuantStub()
        self.lstm = nn.LSTM(12, H, batch_first=True, bidirectional=bidirectional)
        self.quant_lstm = tq.QuantStub()
        self.fc = nn.Linear(H * (2 if bidirectional else 1), 5)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):  # x: [B, C, T]
        y = self.relu(self.conv(self.quant(x)))
        y = self.dequant_lstm(y).transpose(1, 2)  # [B, T, 12]
        y, _ = self.lstm(y)
        return self.dequant(self.fc(self.quant_lstm(y)))


class LinearLstmLinear(nn.Module):
    """quantized linear -> float 2-layer LSTM (time-major) -> quantized linear."""

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.fc1 = nn.Linear(I, 10)
        self.dequant_lstm = tq.DeQuantStub()
        self.lstm = nn.LSTM(10, H, 2)
        self.quant_lstm = tq.QuantStub()
        self.fc2 = nn.Linear(H, 4)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        y = self.dequant_lstm(self.fc1(self.quant(x)))
        y, _ = self.lstm(y)
        return self.dequant(self.fc2(self.quant_lstm(y)))


def static(body, shape, calibrate=8):
    """body() statically quantized (qnnpack qconfig, calibrated on seeded random batches) with
    its LSTM left float (qconfig None)."""

    def factory():
        torch.backends.quantized.engine = "qnnpack"
        m = body().eval()
        m.qconfig = tq.get_default_qconfig("qnnpack")
        m.lstm.qconfig = None
        tq.prepare(m, inplace=True)
        g = torch.Generator().manual_seed(0)
        with torch.no_grad():
            for _ in range(calibrate):
                m(torch.randn(*shape, generator=g))
        tq.convert(m, inplace=True)
        return m

    return factory



FIXTURES = {
    # quantize_dynamic(nn.LSTM): hybrid fused LSTM
    "qlstm_dynamic": (dyn(nn.LSTM), [SEQ], hybrid(LSTM1)),
    "qlstm_dynamic_2l_bf": (dyn(nn.LSTM, num_layers=2, batch_first=True), [SEQ_BF], hybrid(LSTM1)),
    "qlstm_dynamic_bidir": (dyn(nn.LSTM, bidirectional=True), [SEQ], hybrid(LSTM2)),
    "qlstm_dynamic_bidir_map": (dyn(nn.LSTM, num_layers=2, bidirectional=True, batch_first=True), [SEQ_BF],
                                hybrid(LSTM1, convert_args=["--map-bilstm-to-lstm"])),
    "qlstm_dynamic_scripted": (dynamic(lambda: Output(nn.LSTM(I, H, 2, batch_first=True))), [SEQ_BF],
                               hybrid(LSTM1, script=True)),
    # unrolled: states in and out, --unroll-rnn
    "qlstm_dynamic_states_inout": (dynamic(lambda: LstmStates(nn.LSTM(I, H, 2))), [SEQ] + states(2), hybrid(FC)),
    "qlstm_dynamic_unrolled": (dyn(nn.LSTM, num_layers=2, bidirectional=True), [SEQ],
                               hybrid(FC, convert_args=["--unroll-rnn"])),
    # quantize_dynamic(nn.GRU): aten::quantized_gru, unrolled with hybrid FULLY_CONNECTED
    "qgru_dynamic": (dyn(nn.GRU, num_layers=2, batch_first=True), [SEQ_BF], hybrid(FC)),
    "qgru_dynamic_bidir": (dyn(nn.GRU, bidirectional=True), [SEQ], hybrid(FC)),
    "qgru_dynamic_scripted": (dynamic(lambda: Output(nn.GRU(I, H))), [SEQ], hybrid(FC, script=True)),
    # LSTM float between the quantized layers of a statically quantized model
    "qstatic_conv_lstm": (static(ConvLstmHead, (2, I, 6)), [(2, I, 6)], Q),
    "qstatic_conv_bilstm": (static(lambda: ConvLstmHead(True), (2, I, 6)), [(2, I, 6)], Q),
    "qstatic_linear_lstm": (static(LinearLstmLinear, SEQ), [SEQ], Q),
}
