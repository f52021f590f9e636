#!/usr/bin/env python3
"""Check litecast's TFLite schema (host/tflite/schema.fbs) against the
independent `tflite` PyPI package.

The package is generated from TensorFlow's schema, so its classes are a
second, independent statement of the wire format:
  * enum / union classes list names and values;
  * table accessors read field N at vtable offset 4 + 2*N, and return the
    default when the field is absent;
  * builder helpers (Prepend<T>Slot(id, x, default)) repeat ids and defaults.

Usage: test_schema.py [path/to/schema.fbs]
Plain script, no pytest. The last line is "schema: N passed, M failed";
the exit code is non-zero when anything failed.
"""

import importlib
import inspect
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMA = os.path.join(HERE, "..", "..", "host", "tflite", "schema.fbs")


# --------------------------------------------------------------------------
# Result bookkeeping

class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, msg):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: " + msg)
        return cond


R = Results()


# --------------------------------------------------------------------------
# A small parser for the subset of the FlatBuffers IDL that a schema uses.

TOKEN_RE = re.compile(
    r"""(?P<ws>\s+)
      | (?P<comment>//[^\n]*|/\*.*?\*/)
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_]))
      | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<punct>[{}()\[\]:;,=])
    """,
    re.S | re.X,
)


def tokenize(text):
    toks, pos = [], 0
    line = 1
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if not m:
            raise SyntaxError("line %d: cannot tokenize near %r" % (line, text[pos:pos + 20]))
        kind = m.lastgroup
        if kind not in ("ws", "comment"):
            toks.append((kind, m.group(kind), line))
        line += m.group(0).count("\n")
        pos = m.end()
    return toks


class Field:
    def __init__(self, name, type_name, is_vector, default, attrs, line):
        self.name = name
        self.type = type_name          # element type for vectors
        self.is_vector = is_vector
        self.default = default         # token text or None
        self.attrs = attrs             # dict: attribute -> value text or None
        self.line = line
        self.ids = {}                  # filled later: accessor name -> id

    @property
    def deprecated(self):
        return "deprecated" in self.attrs


class Table:
    def __init__(self, name, is_struct):
        self.name = name
        self.is_struct = is_struct
        self.fields = []


class Enum:
    def __init__(self, name, base, is_union):
        self.name = name
        self.base = base               # underlying scalar type ('ubyte' for unions)
        self.is_union = is_union
        self.values = {}               # member name -> value, in order
        self.member_types = {}         # unions: member name -> table name


class Schema:
    def __init__(self):
        self.namespace = None
        self.file_identifier = None
        self.file_extension = None
        self.root_type = None
        self.enums = {}
        self.tables = {}


class Parser:
    def __init__(self, text):
        self.toks = tokenize(text)
        self.i = 0
        self.schema = Schema()

    # token helpers
    def peek(self, k=0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else (None, None, -1)

    def next(self):
        t = self.peek()
        if t[0] is None:
            raise SyntaxError("unexpected end of schema")
        self.i += 1
        return t

    def expect(self, value):
        t = self.next()
        if t[1] != value:
            raise SyntaxError("line %d: expected %r, got %r" % (t[2], value, t[1]))
        return t

    def accept(self, value):
        if self.peek()[1] == value:
            self.i += 1
            return True
        return False

    def ident(self):
        t = self.next()
        if t[0] != "ident":
            raise SyntaxError("line %d: expected identifier, got %r" % (t[2], t[1]))
        return t[1]

    def string(self):
        t = self.next()
        if t[0] != "string":
            raise SyntaxError("line %d: expected string, got %r" % (t[2], t[1]))
        return t[1][1:-1]

    def value(self):
        t = self.next()
        if t[0] not in ("ident", "number", "string"):
            raise SyntaxError("line %d: expected a value, got %r" % (t[2], t[1]))
        return t[1]

    def metadata(self):
        attrs = {}
        if self.accept("("):
            while not self.accept(")"):
                key = self.ident()
                attrs[key] = self.value() if self.accept(":") else None
                self.accept(",")
        return attrs

    # grammar
    def parse(self):
        s = self.schema
        while self.peek()[0] is not None:
            kw = self.ident()
            if kw == "namespace":
                s.namespace = self.ident()
                self.expect(";")
            elif kw in ("include", "attribute"):
                self.string()
                self.expect(";")
            elif kw == "file_identifier":
                s.file_identifier = self.string()
                self.expect(";")
            elif kw == "file_extension":
                s.file_extension = self.string()
                self.expect(";")
            elif kw == "root_type":
                s.root_type = self.ident()
                self.expect(";")
            elif kw == "enum":
                self.parse_enum(is_union=False)
            elif kw == "union":
                self.parse_enum(is_union=True)
            elif kw in ("table", "struct"):
                self.parse_table(kw == "struct")
            else:
                raise SyntaxError("line %d: unknown declaration %r" % (self.peek(-1)[2], kw))
        return s

    def parse_enum(self, is_union):
        name = self.ident()
        base = "ubyte"
        if not is_union:
            self.expect(":")
            base = self.ident()
        self.metadata()
        e = Enum(name, base, is_union)
        if is_union:
            e.values["NONE"] = 0
        nxt = 1 if is_union else 0
        self.expect("{")
        while not self.accept("}"):
            member = self.ident()
            mtype = member
            if is_union and self.accept(":"):
                mtype = self.ident()
            if self.accept("="):
                nxt = int(self.value(), 0)
            if member in e.values:
                raise SyntaxError("%s: duplicate member %s" % (name, member))
            e.values[member] = nxt
            if is_union:
                e.member_types[member] = mtype
            nxt += 1
            self.metadata()
            self.accept(",")
        if name in self.schema.enums or name in self.schema.tables:
            raise SyntaxError("duplicate type %s" % name)
        self.schema.enums[name] = e

    def parse_table(self, is_struct):
        name = self.ident()
        self.metadata()
        t = Table(name, is_struct)
        self.expect("{")
        while not self.accept("}"):
            line = self.peek()[2]
            fname = self.ident()
            self.expect(":")
            is_vector = self.accept("[")
            ftype = self.ident()
            if is_vector:
                if self.accept(":"):          # fixed-size struct arrays
                    self.value()
                self.expect("]")
            default = self.value() if self.accept("=") else None
            attrs = self.metadata()
            self.expect(";")
            t.fields.append(Field(fname, ftype, is_vector, default, attrs, line))
        if name in self.schema.enums or name in self.schema.tables:
            raise SyntaxError("duplicate type %s" % name)
        self.schema.tables[name] = t


# Field names whose underscores the package cannot confirm (flatc drops them
# when camel-casing): TFLite spells this one with "_2", not "2".
NAME_EXCEPTIONS = {"Operator.builtin_options_2"}


def snake(camel_name):
    """Inverse of camel() for TFLite's names: '_' before each capital."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", camel_name).lower()


def camel(snake):
    """flatc's Python generator turns field names into UpperCamel accessors."""
    return "".join(p[:1].upper() + p[1:] for p in snake.split("_"))


def assign_ids(schema):
    """Field ids as flatc assigns them: explicit (id: N) on every field, or
    declaration order; a union field takes two ids, type first."""
    for t in schema.tables.values():
        explicit = [f for f in t.fields if "id" in f.attrs]
        if explicit and len(explicit) != len(t.fields):
            R.check(False, "table %s: (id: N) must be on all fields or none" % t.name)
            explicit = []
        nxt = 0
        for f in t.fields:
            is_union = f.type in schema.enums and schema.enums[f.type].is_union and not f.is_vector
            if explicit:
                n = int(f.attrs["id"], 0)
                f.ids = {camel(f.name) + "Type": n - 1, camel(f.name): n} if is_union else {camel(f.name): n}
            else:
                if is_union:
                    f.ids = {camel(f.name) + "Type": nxt, camel(f.name): nxt + 1}
                    nxt += 2
                else:
                    f.ids = {camel(f.name): nxt}
                    nxt += 1
        used = sorted(i for f in t.fields for i in f.ids.values())
        R.check(used == list(range(len(used))), "table %s: field ids %s are not 0..n-1" % (t.name, used))


# --------------------------------------------------------------------------
# What the tflite package says.

SCALAR_FLAGS = {
    "bool": "Bool", "byte": "Int8", "int8": "Int8", "ubyte": "Uint8", "uint8": "Uint8",
    "short": "Int16", "int16": "Int16", "ushort": "Uint16", "uint16": "Uint16",
    "int": "Int32", "int32": "Int32", "uint": "Uint32", "uint32": "Uint32",
    "long": "Int64", "int64": "Int64", "ulong": "Uint64", "uint64": "Uint64",
    "float": "Float32", "float32": "Float32", "double": "Float64", "float64": "Float64",
}

ACCESSOR_SUFFIXES = ("Length", "IsNone", "AsNumpy")


class PkgField:
    def __init__(self, name, offset, kind, elem, default, src):
        self.name = name
        self.id = (offset - 4) // 2
        self.kind = kind        # scalar | vector | string | table | union
        self.elem = elem        # Flags name, table name or 'string'
        self.default = default  # python literal or None when not literal
        self.src = src


def literal(text):
    text = text.strip()
    if text in ("True", "False"):
        return text == "True"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def package_model():
    import tflite
    pkgdir = os.path.dirname(tflite.__file__)
    enums, tables, unmapped = {}, {}, []
    for fn in sorted(os.listdir(pkgdir)):
        if not fn.endswith(".py") or fn in ("__init__.py", "utils.py"):
            continue
        modname = fn[:-3]
        mod = importlib.import_module("tflite." + modname)
        cls = getattr(mod, modname, None)
        if not inspect.isclass(cls):
            unmapped.append("module %s has no class %s" % (modname, modname))
            continue
        if hasattr(cls, "Init"):
            tables[modname] = table_from_class(mod, cls, unmapped)
        else:
            vals = {k: v for k, v in vars(cls).items() if not k.startswith("_")}
            bad = [k for k, v in vals.items() if not isinstance(v, int)]
            if bad:
                unmapped.append("enum %s has non-int members %s" % (modname, bad))
            enums[modname] = {k: v for k, v in vals.items() if isinstance(v, int)}
    return enums, tables, unmapped


def table_from_class(mod, cls, unmapped):
    by_offset = {}
    for name, fn in vars(cls).items():
        if name.startswith("_") or not inspect.isfunction(fn):
            continue
        src = inspect.getsource(fn)
        m = re.search(r"\bOffset\((\d+)\)", src)
        if m:
            by_offset.setdefault(int(m.group(1)), {})[name] = src
    fields = {}
    for off, group in sorted(by_offset.items()):
        base = min(group, key=len)
        extras = set(group) - {base} - {base + s for s in ACCESSOR_SUFFIXES}
        if extras:
            unmapped.append("%s: accessors %s share offset %d with %s" % (cls.__name__, sorted(extras), off, base))
        src = group[base]
        flags = [f for f in re.findall(r"number_types\.(\w+)Flags", src) if f != "UOffsetT"]
        imported = re.findall(r"from tflite\.(\w+) import", src)
        is_vector = base + "Length" in group
        if ".Union(" in src:
            kind, elem = "union", None
        elif is_vector:
            kind = "vector"
            if ".String(" in src:
                elem = "string"
            elif ".Indirect(" in src and imported:
                elem = imported[0]
            else:
                elem = flags[0] if flags else None
        elif ".String(" in src:
            kind, elem = "string", "string"
        elif ".Indirect(" in src and imported:
            kind, elem = "table", imported[0]
        else:
            kind, elem = "scalar", flags[0] if flags else None
        default = None
        if kind == "scalar":
            returns = re.findall(r"^\s*return (.+)$", src, re.M)
            # the fall-through return after "if o != 0:" carries the default
            default = literal(returns[-1]) if returns else None
            # accessors like bool(self._tab.Get(...)) wrap; a non-literal stays None
        fields[base] = PkgField(base, off, kind, elem, default, src)
    # builder helpers: Prepend<T>Slot(id, value, default)
    slots = {}
    prefix = cls.__name__ + "Add"
    for name, fn in vars(mod).items():
        if not inspect.isfunction(fn) or not name.startswith(prefix):
            continue
        m = re.search(r"builder\.Prepend(\w+)Slot\((\d+),\s*[^,]+,\s*([^)]+)\)", inspect.getsource(fn))
        if m:
            slots[name[len(prefix):]] = (m.group(1), int(m.group(2)), literal(m.group(3)))
    return {"fields": fields, "slots": slots, "cls": cls}


# --------------------------------------------------------------------------
# Comparisons

def resolve_scalar(schema, type_name):
    """Scalar flags name for a field type (enums resolve to their base)."""
    if type_name in SCALAR_FLAGS:
        return SCALAR_FLAGS[type_name]
    e = schema.enums.get(type_name)
    if e is not None and not e.is_union:
        return SCALAR_FLAGS.get(e.base)
    return None


def our_default(schema, f):
    """Numeric/bool default of a scalar field of ours."""
    d = f.default
    e = schema.enums.get(f.type)
    if d is None:
        return False if f.type == "bool" else 0
    if f.type == "bool":
        return {"true": True, "false": False, "1": True, "0": False}[d]
    if e is not None and not e.is_union and d in e.values:
        return e.values[d]
    if f.type in ("float", "float32", "double", "float64"):
        return float(d)
    return int(d, 0)


def same_value(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=0.0)


def check_header(schema):
    R.check(schema.namespace == "litecast.tfl", "namespace is %r, want litecast.tfl" % schema.namespace)
    src = inspect.getsource(importlib.import_module("tflite.Model").Model)
    m = re.search(r'BufferHasIdentifier\(buf, offset, b"([^"]*)"', src)
    pkg_ident = m.group(1).encode().decode("unicode_escape") if m else None
    R.check(pkg_ident is not None and schema.file_identifier == pkg_ident,
            "file_identifier %r, package says %r" % (schema.file_identifier, pkg_ident))
    R.check(schema.file_extension == "tflite", "file_extension is %r" % schema.file_extension)
    R.check(schema.root_type == "Model", "root_type is %r" % schema.root_type)


def check_enums(schema, pkg_enums, stats):
    for name, pvals in sorted(pkg_enums.items()):
        ours = schema.enums.get(name)
        if not R.check(ours is not None, "enum/union %s missing from schema" % name):
            continue
        stats["enums"] += 1
        for k, v in pvals.items():
            stats["enum_values"] += 1
            R.check(ours.values.get(k) == v,
                    "%s.%s: package %d, ours %r" % (name, k, v, ours.values.get(k)))
        for k, v in ours.values.items():
            R.check(k in pvals, "%s.%s = %d is not in the package" % (name, k, v))
        if ours.is_union:
            for member, tname in ours.member_types.items():
                R.check(tname in schema.tables, "union %s member %s is not a table of ours" % (name, member))
    for name in sorted(set(schema.enums) - set(pkg_enums)):
        R.check(False, "enum/union %s is ours only; the package has no such type" % name)


def check_tables(schema, pkg_tables, stats):
    for tname, pinfo in sorted(pkg_tables.items()):
        ours = schema.tables.get(tname)
        if not R.check(ours is not None, "table %s missing from schema" % tname):
            continue
        R.check(not ours.is_struct, "%s is a struct in ours, a table in the package" % tname)
        stats["tables"] += 1
        pfields, slots = pinfo["fields"], pinfo["slots"]
        seen = set()
        for f in ours.fields:
            for acc, fid in f.ids.items():
                where = "%s.%s (line %d)" % (tname, f.name, f.line)
                if f.deprecated:
                    taken = [p.name for p in pfields.values() if p.id == fid]
                    R.check(not taken, "%s is deprecated but id %d is live in the package as %s" % (where, fid, taken))
                    stats["deprecated"] += 1
                    continue
                p = pfields.get(acc)
                if not R.check(p is not None, "%s: package has no accessor %s" % (where, acc)):
                    continue
                seen.add(acc)
                stats["fields"] += 1
                if acc == camel(f.name) and "%s.%s" % (tname, f.name) not in NAME_EXCEPTIONS:
                    R.check(f.name == snake(acc), "%s: name should be %s (from %s)" % (where, snake(acc), acc))
                R.check(p.id == fid, "%s: id %d, package %s has id %d" % (where, fid, acc, p.id))
                check_field_type(schema, tname, f, acc, p, where)
                check_field_default(schema, f, acc, p, slots, where, stats)
        for acc in sorted(set(pfields) - seen):
            R.check(False, "%s.%s (id %d) exists in the package but not in ours" % (tname, acc, pfields[acc].id))
    for tname in sorted(set(schema.tables) - set(pkg_tables)):
        R.check(False, "table %s is ours only; the package has no such table" % tname)


def check_field_type(schema, tname, f, acc, p, where):
    e = schema.enums.get(f.type)
    if acc.endswith("Type") and acc != camel(f.name):      # union type tag
        R.check(p.kind == "scalar" and p.elem == "Uint8", "%s: union tag %s is %s/%s in package" % (where, acc, p.kind, p.elem))
        return
    if e is not None and e.is_union and not f.is_vector:
        R.check(p.kind == "union", "%s: union in ours, %s in package" % (where, p.kind))
        return
    if f.is_vector:
        if not R.check(p.kind == "vector", "%s: vector in ours, %s in package" % (where, p.kind)):
            return
        if f.type == "string":
            R.check(p.elem == "string", "%s: [string] in ours, [%s] in package" % (where, p.elem))
        elif f.type in schema.tables:
            R.check(p.elem == f.type, "%s: [%s] in ours, [%s] in package" % (where, f.type, p.elem))
        else:
            want = resolve_scalar(schema, f.type)
            R.check(want is not None and p.elem == want, "%s: [%s] (%s) in ours, [%s] in package" % (where, f.type, want, p.elem))
        return
    if f.type == "string":
        R.check(p.kind == "string", "%s: string in ours, %s in package" % (where, p.kind))
    elif f.type in schema.tables:
        R.check(p.kind == "table" and p.elem == f.type, "%s: table %s in ours, %s %s in package" % (where, f.type, p.kind, p.elem))
    else:
        want = resolve_scalar(schema, f.type)
        R.check(p.kind == "scalar" and want is not None and p.elem == want,
                "%s: %s (%s) in ours, %s %s in package" % (where, f.type, want, p.kind, p.elem))


def check_field_default(schema, f, acc, p, slots, where, stats):
    slot = slots.get(acc)
    if slot is not None:
        R.check(slot[1] == p.id, "%s: package builder slot %d differs from accessor id %d" % (where, slot[1], p.id))
    is_tag = acc.endswith("Type") and acc != camel(f.name)
    if p.kind != "scalar" or is_tag or f.is_vector:
        return
    mine = our_default(schema, f)
    if p.default is not None:
        stats["defaults"] += 1
        R.check(same_value(mine, p.default), "%s: default %r, package accessor returns %r" % (where, mine, p.default))
    if slot is not None:
        stype, _, sdefault = slot
        R.check(stype == p.elem, "%s: builder writes %s, accessor reads %s" % (where, stype, p.elem))
        if sdefault is not None:
            stats["builder_defaults"] += 1
            R.check(same_value(mine, sdefault), "%s: default %r, package builder default %r" % (where, mine, sdefault))


# --------------------------------------------------------------------------
# Round trips through flatc: our schema writes, the package reads; the
# package writes, our schema reads.

MODEL_JSON = {
    "version": 3,
    "description": "litecast schema test",
    "operator_codes": [
        {"deprecated_builtin_code": 3, "builtin_code": "CONV_2D", "version": 2},
        {"deprecated_builtin_code": 127, "builtin_code": "STABLEHLO_COMPOSITE"},
    ],
    "subgraphs": [{
        "name": "main",
        "tensors": [
            {"shape": [1, 8, 8, 3], "type": "INT8", "buffer": 0, "name": "x",
             "quantization": {"scale": [0.5], "zero_point": [-3], "quantized_dimension": 0}},
            {"shape": [4, 3, 3, 3], "type": "INT8", "buffer": 1, "name": "w",
             "shape_signature": [4, 3, 3, -1], "has_rank": True},
        ],
        "inputs": [0],
        "outputs": [0],
        "operators": [
            {"opcode_index": 0, "inputs": [0, 1, -1], "outputs": [0],
             "builtin_options_type": "Conv2DOptions",
             "builtin_options": {"padding": "VALID", "stride_w": 2, "stride_h": 3,
                                 "fused_activation_function": "RELU6"}},
            {"opcode_index": 1, "inputs": [0], "outputs": [0],
             "builtin_options_2_type": "StableHLOCompositeOptions",
             "builtin_options_2": {"name": "odml.test", "decomposition_subgraph_index": 0, "version": 7}},
        ],
    }],
    "buffers": [{}, {"data": [1, 2, 3, 4]}],
    "signature_defs": [{"signature_key": "serving_default", "subgraph_index": 0,
                        "inputs": [{"name": "x", "tensor_index": 0}],
                        "outputs": [{"name": "y", "tensor_index": 0}]}],
}


def roundtrip_our_writer(flatc, schema_path, tmp):
    import tflite
    src = os.path.join(tmp, "model.json")
    with open(src, "w") as fh:
        json.dump(MODEL_JSON, fh)
    r = subprocess.run([flatc, "-b", "-o", tmp, schema_path, src], capture_output=True, text=True)
    if not R.check(r.returncode == 0, "flatc -b with our schema failed: %s" % r.stderr.strip()):
        return
    out = os.path.join(tmp, "model.tflite")
    if not R.check(os.path.exists(out), "flatc did not write model.tflite (file_extension?)"):
        return
    buf = bytearray(open(out, "rb").read())
    R.check(tflite.Model.ModelBufferHasIdentifier(buf, 0), "package does not see the TFL3 identifier")
    m = tflite.Model.GetRootAs(buf, 0)
    R.check(m.Version() == 3, "Model.version")
    R.check(m.Description() == b"litecast schema test", "Model.description")
    R.check(m.OperatorCodesLength() == 2, "operator_codes length")
    oc0, oc1 = m.OperatorCodes(0), m.OperatorCodes(1)
    R.check(oc0.BuiltinCode() == tflite.BuiltinOperator.CONV_2D and oc0.Version() == 2, "OperatorCode 0")
    R.check(oc1.BuiltinCode() == tflite.BuiltinOperator.STABLEHLO_COMPOSITE and oc1.Version() == 1, "OperatorCode 1")
    sg = m.Subgraphs(0)
    R.check(sg.Name() == b"main" and sg.TensorsLength() == 2, "SubGraph name/tensors")
    t0, t1 = sg.Tensors(0), sg.Tensors(1)
    R.check(t0.Type() == tflite.TensorType.INT8 and list(t0.ShapeAsNumpy()) == [1, 8, 8, 3], "Tensor 0 type/shape")
    q = t0.Quantization()
    R.check(q is not None and q.Scale(0) == 0.5 and q.ZeroPoint(0) == -3, "Tensor 0 quantization")
    R.check(list(t1.ShapeSignatureAsNumpy()) == [4, 3, 3, -1] and t1.HasRank(), "Tensor 1 shape_signature/has_rank")
    R.check(t1.Buffer() == 1 and list(m.Buffers(1).DataAsNumpy()) == [1, 2, 3, 4], "Buffer data")
    op0 = sg.Operators(0)
    R.check(list(op0.InputsAsNumpy()) == [0, 1, -1], "Operator inputs")
    R.check(op0.BuiltinOptionsType() == tflite.BuiltinOptions.Conv2DOptions, "Operator builtin_options_type")
    conv = tflite.Conv2DOptions()
    tab = op0.BuiltinOptions()
    if R.check(tab is not None, "Operator builtin_options missing"):
        conv.Init(tab.Bytes, tab.Pos)
        R.check(conv.Padding() == tflite.Padding.VALID, "Conv2DOptions.padding")
        R.check((conv.StrideW(), conv.StrideH()) == (2, 3), "Conv2DOptions strides")
        R.check(conv.FusedActivationFunction() == tflite.ActivationFunctionType.RELU6, "Conv2DOptions activation")
        R.check(conv.DilationWFactor() == 1, "Conv2DOptions.dilation_w_factor default")
    op1 = sg.Operators(1)
    R.check(op1.BuiltinOptions2Type() == tflite.BuiltinOptions2.StableHLOCompositeOptions, "Operator builtin_options_2_type")
    tab = op1.BuiltinOptions2()
    if R.check(tab is not None, "Operator builtin_options_2 missing"):
        comp = tflite.StableHLOCompositeOptions()
        comp.Init(tab.Bytes, tab.Pos)
        R.check(comp.Name() == b"odml.test" and comp.Version() == 7, "StableHLOCompositeOptions")
    R.check(op0.DebugMetadataIndex() == -1, "Operator.debug_metadata_index default")
    sd = m.SignatureDefs(0)
    R.check(sd.SignatureKey() == b"serving_default" and sd.Inputs(0).Name() == b"x"
            and sd.Outputs(0).Name() == b"y", "SignatureDef")


def roundtrip_package_writer(flatc, schema_path, tmp):
    import flatbuffers
    import tflite
    b = flatbuffers.Builder(1024)
    tflite.LeakyReluOptionsStart(b)
    tflite.LeakyReluOptionsAddAlpha(b, 0.25)
    leaky = tflite.LeakyReluOptionsEnd(b)
    tflite.DepthwiseConv2DOptionsStart(b)
    tflite.DepthwiseConv2DOptionsAddPadding(b, tflite.Padding.SAME)
    tflite.DepthwiseConv2DOptionsAddStrideW(b, 1)
    tflite.DepthwiseConv2DOptionsAddDepthMultiplier(b, 4)
    tflite.DepthwiseConv2DOptionsAddFusedActivationFunction(b, tflite.ActivationFunctionType.RELU)
    tflite.DepthwiseConv2DOptionsAddDilationHFactor(b, 2)
    dw = tflite.DepthwiseConv2DOptionsEnd(b)
    ops = []
    for kind, tab in ((tflite.BuiltinOptions.LeakyReluOptions, leaky),
                      (tflite.BuiltinOptions.DepthwiseConv2DOptions, dw)):
        tflite.OperatorStart(b)
        tflite.OperatorAddOpcodeIndex(b, len(ops))
        tflite.OperatorAddBuiltinOptionsType(b, kind)
        tflite.OperatorAddBuiltinOptions(b, tab)
        ops.append(tflite.OperatorEnd(b))
    tflite.SubGraphStartOperatorsVector(b, len(ops))
    for o in reversed(ops):
        b.PrependUOffsetTRelative(o)
    opvec = b.EndVector()
    tflite.SubGraphStart(b)
    tflite.SubGraphAddOperators(b, opvec)
    sg = tflite.SubGraphEnd(b)
    codes = []
    for code in (tflite.BuiltinOperator.LEAKY_RELU, tflite.BuiltinOperator.DEPTHWISE_CONV_2D):
        tflite.OperatorCodeStart(b)
        tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
        tflite.OperatorCodeAddBuiltinCode(b, code)
        codes.append(tflite.OperatorCodeEnd(b))
    tflite.ModelStartOperatorCodesVector(b, len(codes))
    for c in reversed(codes):
        b.PrependUOffsetTRelative(c)
    codevec = b.EndVector()
    tflite.ModelStartSubgraphsVector(b, 1)
    b.PrependUOffsetTRelative(sg)
    sgvec = b.EndVector()
    tflite.ModelStart(b)
    tflite.ModelAddVersion(b, 3)
    tflite.ModelAddOperatorCodes(b, codevec)
    tflite.ModelAddSubgraphs(b, sgvec)
    b.Finish(tflite.ModelEnd(b), file_identifier=b"TFL3")
    path = os.path.join(tmp, "pkg.tflite")
    with open(path, "wb") as fh:
        fh.write(b.Output())
    r = subprocess.run([flatc, "--json", "--strict-json", "--defaults-json", "-o", tmp,
                        schema_path, "--", path], capture_output=True, text=True)
    if not R.check(r.returncode == 0, "flatc --json with our schema failed: %s" % r.stderr.strip()):
        return
    jpath = os.path.join(tmp, "pkg.json")
    if not R.check(os.path.exists(jpath), "flatc did not write pkg.json"):
        return
    doc = json.load(open(jpath))
    codes = doc["operator_codes"]
    R.check([c["builtin_code"] for c in codes] == ["LEAKY_RELU", "DEPTHWISE_CONV_2D"], "opcode names via our enum")
    R.check(codes[0]["version"] == 1, "OperatorCode.version default via ours")
    ops = doc["subgraphs"][0]["operators"]
    R.check(ops[0]["builtin_options_type"] == "LeakyReluOptions"
            and ops[0]["builtin_options"]["alpha"] == 0.25, "LeakyReluOptions via our union")
    dwj = ops[1]["builtin_options"]
    R.check(ops[1]["builtin_options_type"] == "DepthwiseConv2DOptions", "DepthwiseConv2DOptions tag via our union")
    R.check(dwj["padding"] == "SAME" and dwj["stride_w"] == 1 and dwj["depth_multiplier"] == 4
            and dwj["fused_activation_function"] == "RELU", "DepthwiseConv2DOptions fields via ours")
    R.check(dwj["dilation_h_factor"] == 2 and dwj["dilation_w_factor"] == 1, "DepthwiseConv2DOptions dilations via ours")
    R.check(ops[0]["debug_metadata_index"] == -1, "Operator.debug_metadata_index default via ours")


def check_with_flatc(schema_path):
    flatc = shutil.which("flatc")
    if flatc is None:
        print("note: flatc not on PATH; round-trip checks skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        for args in (["--cpp", "--gen-object-api"], ["-b", "--schema", "--bfbs-comments"]):
            r = subprocess.run([flatc] + args + ["-o", tmp, schema_path], capture_output=True, text=True)
            R.check(r.returncode == 0, "flatc %s failed: %s" % (" ".join(args), r.stderr.strip()))
        for step in (roundtrip_our_writer, roundtrip_package_writer):
            try:
                step(flatc, schema_path, tmp)
            except Exception as exc:  # a broken schema shows up as odd data
                R.check(False, "%s raised %s: %s" % (step.__name__, type(exc).__name__, exc))


# --------------------------------------------------------------------------

def main():
    schema_path = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SCHEMA)
    stats = dict(enums=0, enum_values=0, tables=0, fields=0, deprecated=0, defaults=0, builder_defaults=0)
    try:
        with open(schema_path) as fh:
            schema = Parser(fh.read()).parse()
        R.check(True, "parse")
    except (OSError, SyntaxError, ValueError, KeyError) as exc:
        R.check(False, "cannot parse %s: %s" % (schema_path, exc))
        print("schema: %d passed, %d failed" % (R.passed, R.failed))
        return 1
    assign_ids(schema)
    pkg_enums, pkg_tables, unmapped = package_model()
    for u in unmapped:
        R.check(False, "package: " + u)
    check_header(schema)
    check_enums(schema, pkg_enums, stats)
    check_tables(schema, pkg_tables, stats)
    check_with_flatc(schema_path)
    import tflite
    print("tflite %s: %d enums/unions (%d values), %d tables, %d fields by id, %d deprecated slots, "
          "%d accessor defaults, %d builder defaults"
          % (getattr(tflite, "__version__", "?"), stats["enums"], stats["enum_values"], stats["tables"],
             stats["fields"], stats["deprecated"], stats["defaults"], stats["builder_defaults"]))
    print("schema: %d passed, %d failed" % (R.passed, R.failed))
    return 0 if R.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
