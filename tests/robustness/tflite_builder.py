"""A small TFLite writer for hand-crafted files: every field under the test's control, so a
file can be well-formed FlatBuffers (the verifier accepts it) and still wrong in meaning
(indices out of range, negative shapes, inconsistent quantization, buffers past the end).

Field slots are the field ids of host/tflite/schema.fbs (a union takes two: type, then value).
"""
import struct

import flatbuffers

FLOAT32, INT32, INT8 = 0, 2, 9
ADD, WHILE = 0, 119
WHILE_OPTIONS = 93


def _ints(b, values, width=4):
    b.StartVector(width, len(values), width)
    for v in reversed(values):
        if width == 4:
            b.PrependInt32(v)
        else:
            b.PrependInt64(v)
    return b.EndVector()


def _floats(b, values):
    b.StartVector(4, len(values), 4)
    for v in reversed(values):
        b.PrependFloat32(v)
    return b.EndVector()


def _tables(b, offsets):
    b.StartVector(4, len(offsets), 4)
    for o in reversed(offsets):
        b.PrependUOffsetTRelative(o)
    return b.EndVector()


def tensor(name, shape, type_=FLOAT32, buffer=0, scales=None, zero_points=None, axis=0, variable=False):
    return dict(name=name, shape=shape, type=type_, buffer=buffer, scales=scales, zero_points=zero_points, axis=axis,
                variable=variable)


def base():
    """x + c -> y: two float [1,4] tensors and a constant; what every crafted file starts from."""
    return dict(
        tensors=[tensor("x", [1, 4]), tensor("c", [1, 4], buffer=1), tensor("y", [1, 4])],
        inputs=[0], outputs=[2],
        opcodes=[ADD],
        ops=[dict(opcode=0, inputs=[0, 1], outputs=[2])],
        buffers=[dict(), dict(data=struct.pack("<4f", 1, 2, 3, 4))],
        subgraphs=1, metadata=[], tail=b"")


def build(m):
    b = flatbuffers.Builder(1024)
    tensors = []
    for t in m["tensors"]:
        name = b.CreateString(t["name"])
        shape = _ints(b, t["shape"])
        q = None
        if t["scales"] is not None or t["zero_points"] is not None:
            scale = _floats(b, t["scales"]) if t["scales"] is not None else None
            zp = _ints(b, t["zero_points"], 8) if t["zero_points"] is not None else None
            b.StartObject(7)
            if scale is not None:
                b.PrependUOffsetTRelativeSlot(2, scale, 0)
            if zp is not None:
                b.PrependUOffsetTRelativeSlot(3, zp, 0)
            b.PrependInt32Slot(6, t["axis"], 0)
            q = b.EndObject()
        b.StartObject(10)
        b.PrependUOffsetTRelativeSlot(0, shape, 0)
        b.PrependInt8Slot(1, t["type"], 0)
        b.PrependUint32Slot(2, t["buffer"], 0)
        b.PrependUOffsetTRelativeSlot(3, name, 0)
        if q is not None:
            b.PrependUOffsetTRelativeSlot(4, q, 0)
        b.PrependBoolSlot(5, t["variable"], False)
        tensors.append(b.EndObject())
    ops = []
    for o in m["ops"]:
        ins, outs = _ints(b, o["inputs"]), _ints(b, o["outputs"])
        opt = None
        if "while" in o:
            b.StartObject(2)
            b.PrependInt32Slot(0, o["while"][0], 0)
            b.PrependInt32Slot(1, o["while"][1], 0)
            opt = b.EndObject()
        b.StartObject(12)
        b.PrependUint32Slot(0, o["opcode"], 0)
        b.PrependUOffsetTRelativeSlot(1, ins, 0)
        b.PrependUOffsetTRelativeSlot(2, outs, 0)
        if opt is not None:
            b.PrependUint8Slot(3, WHILE_OPTIONS, 0)
            b.PrependUOffsetTRelativeSlot(4, opt, 0)
        ops.append(b.EndObject())
    subgraphs = []
    for _ in range(m["subgraphs"]):
        tv, iv, ov, opv = _tables(b, tensors), _ints(b, m["inputs"]), _ints(b, m["outputs"]), _tables(b, ops)
        b.StartObject(6)
        b.PrependUOffsetTRelativeSlot(0, tv, 0)
        b.PrependUOffsetTRelativeSlot(1, iv, 0)
        b.PrependUOffsetTRelativeSlot(2, ov, 0)
        b.PrependUOffsetTRelativeSlot(3, opv, 0)
        subgraphs.append(b.EndObject())
    codes = []
    for c in m["opcodes"]:
        b.StartObject(4)
        b.PrependInt8Slot(0, min(c, 127), 0)
        b.PrependInt32Slot(2, 1, 1)
        b.PrependInt32Slot(3, c, 0)
        codes.append(b.EndObject())
    buffers = []
    for buf in m["buffers"]:
        data = b.CreateByteVector(buf["data"]) if buf.get("data") else None
        b.StartObject(3)
        if data is not None:
            b.PrependUOffsetTRelativeSlot(0, data, 0)
        b.PrependUint64Slot(1, buf.get("offset", 0), 0)
        b.PrependUint64Slot(2, buf.get("size", 0), 0)
        buffers.append(b.EndObject())
    metadata = []
    for name, index in m["metadata"]:
        n = b.CreateString(name)
        b.StartObject(2)
        b.PrependUOffsetTRelativeSlot(0, n, 0)
        b.PrependUint32Slot(1, index, 0)
        metadata.append(b.EndObject())
    desc = b.CreateString("crafted")
    cv, sv, bv = _tables(b, codes), _tables(b, subgraphs), _tables(b, buffers)
    mv = _tables(b, metadata) if metadata else None
    b.StartObject(8)
    b.PrependUint32Slot(0, 3, 0)
    b.PrependUOffsetTRelativeSlot(1, cv, 0)
    b.PrependUOffsetTRelativeSlot(2, sv, 0)
    b.PrependUOffsetTRelativeSlot(3, desc, 0)
    b.PrependUOffsetTRelativeSlot(4, bv, 0)
    if mv is not None:
        b.PrependUOffsetTRelativeSlot(6, mv, 0)
    root = b.EndObject()
    b.Finish(root, file_identifier=b"TFL3")
    return bytes(b.Output()) + m["tail"]
