"""Streaming with the fused recurrent ops (docs/rnn.md): their states are TFLite variable
tensors, so consecutive invocations on consecutive chunks of a sequence continue where the last
one stopped, and reset_all_variables starts over from zero states. For each model:
  1. chunk 1, then chunk 2 without a reset: equal PyTorch's output on the concatenated sequence
     (its first and second part);
  2. reset_all_variables, chunk 1 again: equals the first invocation;
  3. `litecast lstm-states --json` lists the model's variable tensors, and writing zeros into
     them with set_tensor also restarts the sequence;
  4. the state tensors are named after the PyTorch module, layer, direction and state
     ("rnn/layer1/fw/c"), in lstm-states and in `litecast inspect --json`'s "variables" (also for
     a bidirectional LSTM nested as "encoder.lstm", in both the fused bidirectional op and
     --map-bilstm-to-lstm's pair of unidirectional ones).
Tolerance: the float one, max abs error <= 1e-4 * max(1, max|reference|); for the
quantize_dynamic LSTM (hybrid kernel) 2 steps of 8 bits of the output's range against PyTorch's
dynamically quantized model (a re-invocation of the same LiteRT model stays exact).

Usage: test_rnn_streaming.py CLI
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

try:
    from ai_edge_litert.interpreter import Interpreter
except ImportError:
    from tflite_runtime.interpreter import Interpreter

CLI = sys.argv[1]
T1, T2, B, I, H = 4, 8, 2, 8, 16


class Head(nn.Module):
    def __init__(self, rnn):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        return self.rnn(x)[0]


CASES = {
    "lstm_2l_bf": (lambda: nn.LSTM(I, H, 2, batch_first=True), True, 4),
    "lstm_proj": (lambda: nn.LSTM(I, H, proj_size=6), False, 2),
    "rnn_tanh_2l": (lambda: nn.RNN(I, H, 2, batch_first=True), True, 2),
    # quantize_dynamic: the hybrid LSTM streams too (tolerance: 2 steps of 8 bits of the range)
    "qlstm_dynamic_2l_bf": (lambda: nn.LSTM(I, H, 2, batch_first=True), True, 4),
}
QUANTIZED = {"qlstm_dynamic_2l_bf"}
failures = []


def check(name, got, want, quantized=False):
    err = float(np.abs(got - want).max())
    tol = 2 * float(np.abs(want).max()) / 127 if quantized else 1e-4 * max(1.0, float(np.abs(want).max()))
    ok = err <= tol
    print(f"{'ok' if ok else 'FAIL'} {name}: max abs error {err:.3g} (tolerance {tol:.3g})")
    if not ok:
        failures.append(name)


def invoke(it, x):
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return it.get_tensor(it.get_output_details()[0]["index"]).copy()


def state_names(module, layers, lstm, dirs=("fw",)):
    return [f"{module}/layer{l}/{d}/{s}" for l in range(layers) for d in dirs for s in (("h", "c") if lstm else ("h",))]


def check_names(name, out, states, want):
    got = [s["name"] for s in states]
    r = subprocess.run([CLI, "inspect", out, "--json"], capture_output=True, text=True, check=True)
    listed = [v["name"] for v in json.loads(r.stdout)["variables"]]
    ok = sorted(got) == sorted(want) and sorted(listed) == sorted(want)
    print(f"{'ok' if ok else 'FAIL'} {name} state names: lstm-states {got}, inspect {listed}")
    if not ok:
        print(f"  expected {want}")
        failures.append(name + " state names")


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(I, H, 2, bidirectional=True)

    def forward(self, x):
        return self.lstm(x)[0]


class Nested(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()

    def forward(self, x):
        return self.encoder(x)


with tempfile.TemporaryDirectory() as tmp:
    # Names of the states of a bidirectional LSTM inside a submodule, fused and mapped.
    pt = os.path.join(tmp, "nested.pt")
    with torch.no_grad():
        torch.jit.trace(Nested().eval(), (torch.randn(T1, B, I),)).save(pt)
    for extra in ([], ["--map-bilstm-to-lstm"]):
        out = os.path.join(tmp, "nested.tflite")
        subprocess.run([CLI, "convert", pt, "-o", out, "--input-shape", f"{T1},{B},{I}"] + extra, check=True)
        r = subprocess.run([CLI, "lstm-states", out, "--json"], capture_output=True, text=True, check=True)
        check_names("nested bilstm " + " ".join(extra), out, json.loads(r.stdout),
                    state_names("encoder.lstm", 2, True, ("fw", "bw")))

    for name, (make, batch_first, num_states) in CASES.items():
        torch.manual_seed(0)
        model = Head(make()).eval()
        q = name in QUANTIZED
        if q:
            torch.backends.quantized.engine = "qnnpack"
            model = torch.ao.quantization.quantize_dynamic(model, {nn.LSTM}, dtype=torch.qint8)
        t_axis = 1 if batch_first else 0
        shape = lambda t: (B, t, I) if batch_first else (t, B, I)  # noqa: E731
        x1, x2 = torch.randn(*shape(T1)), torch.randn(*shape(T2))
        with torch.no_grad():
            traced = torch.jit.trace(model, (x1,))
            full = model(torch.cat([x1, x2], t_axis)).numpy()
        pt, out = os.path.join(tmp, name + ".pt"), os.path.join(tmp, name + ".tflite")
        traced.save(pt)
        # Shapes are static: the model takes T1 steps, and x2 is fed as chunks of T1 steps.
        subprocess.run([CLI, "convert", pt, "-o", out, "--input-shape", ",".join(map(str, shape(T1)))], check=True)
        it = Interpreter(model_path=out)
        it.allocate_tensors()
        first = invoke(it, x1.numpy())
        check(f"{name} chunk 1", first, full.take(range(0, T1), axis=t_axis), q)
        steps = [x2.narrow(t_axis, k, T1) for k in range(0, T2 - T1 + 1, T1)]
        pos = T1
        for k, chunk in enumerate(steps):
            got = invoke(it, chunk.numpy())
            check(f"{name} chunk {k + 2} (no reset)", got, full.take(range(pos, pos + T1), axis=t_axis), q)
            pos += T1
        it.reset_all_variables()
        check(f"{name} chunk 1 after reset_all_variables", invoke(it, x1.numpy()), first)
        # lstm-states: the variable tensors, which a caller may also clear or set itself.
        r = subprocess.run([CLI, "lstm-states", out, "--json"], capture_output=True, text=True, check=True)
        states = json.loads(r.stdout)
        if len(states) != num_states:
            print(f"FAIL {name}: lstm-states lists {len(states)} state tensors, expected {num_states}")
            failures.append(name + " lstm-states")
        check_names(name, out, states, state_names("rnn", num_states // (2 if "lstm" in name else 1),
                                                   "lstm" in name))
        invoke(it, x2.narrow(t_axis, 0, T1).numpy())
        for s in states:
            it.set_tensor(s["index"], np.zeros(s["shape"], np.float32))
        check(f"{name} chunk 1 after zeroing the lstm-states tensors", invoke(it, x1.numpy()), first)

print(f"streaming: {len(failures)} failed")
sys.exit(1 if failures else 0)
