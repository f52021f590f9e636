"""Writes the .tflite fuzz seeds (tests/fuzz/seeds/tflite_reader): small valid files that reach every
part of the reader (constants inline and at offsets, per-tensor and per-channel quantization,
control flow naming a second subgraph, metadata). Run: .venv/bin/python tests/fuzz/make_seeds.py
[a converted .tflite to add]."""
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "robustness"))
import tflite_builder as tb  # noqa: E402

OUT = os.path.join(HERE, "seeds", "tflite_reader")


def save(name, m):
    with open(os.path.join(OUT, name + ".tflite"), "wb") as f:
        f.write(tb.build(m))


def main():
    os.makedirs(OUT, exist_ok=True)
    save("add_const", tb.base())
    m = tb.base()
    m["tensors"][0].update(type=tb.INT8, scales=[0.5], zero_points=[3])
    m["tensors"][1].update(type=tb.INT8, scales=[0.1, 0.2, 0.3, 0.4], zero_points=[0, 0, 0, 0], axis=1)
    m["buffers"][1]["data"] = b"\1\2\3\4"
    save("quantized", m)
    m = tb.base()
    blob = struct.pack("<4f", 5, 6, 7, 8)
    m["buffers"].append(dict(offset=0, size=len(blob)))  # offset patched below, after the flatbuffer
    m["tensors"].append(tb.tensor("far", [4], buffer=2))
    first = tb.build(m)
    m["buffers"][2]["offset"] = len(first) + 64  # the built size grows little; leave room
    data = tb.build(m)
    data += b"\0" * (m["buffers"][2]["offset"] - len(data)) + blob
    with open(os.path.join(OUT, "offset_buffer.tflite"), "wb") as f:
        f.write(data)
    m = tb.base()
    m.update(opcodes=[tb.ADD, tb.WHILE], subgraphs=2, metadata=[("min_runtime_version", 1)])
    m["ops"].append(dict(opcode=1, inputs=[2], outputs=[2], **{"while": (1, 1)}))
    save("while_two_subgraphs", m)
    for extra in sys.argv[1:]:
        shutil.copy(extra, os.path.join(OUT, os.path.basename(extra)))


if __name__ == "__main__":
    main()
