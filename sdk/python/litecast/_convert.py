"""TFLiteConverter: TinyNeuralNetwork's converter interface over litecast's engine, in process.

The model is traced here (nn.Module: eval mode, torch.jit.trace under no_grad, as
TinyNeuralNetwork does) and the resulting torch.jit.ScriptModule goes to the C++ engine as it
is: no file is written but the .tflite.
"""
import os
import warnings

import torch

from ._errors import ConversionError, OptionError
from ._paths import plugin_dirs

from ._build_info import TORCH_VERSION as _BUILT_FOR

# The engine links the LibTorch of the torch it was built against, whose C++ ABI changes between
# minor versions: another torch is refused here with what to do, not with a linker error.
if torch.__version__.split("+")[0].split(".")[:2] != _BUILT_FOR.split(".")[:2]:
    raise ImportError(f"litecast was built against torch {_BUILT_FOR}, this Python has torch {torch.__version__}: "
                      "reinstall litecast in this environment (pip install .)")
try:
    from . import _native
except ImportError as e:  # a broken install
    raise ImportError(f"litecast's engine cannot be loaded ({e}); reinstall litecast (pip install .)") from None

_BOOL = "bool"
_TRANSPOSE = "transpose"
_EIGHT_BIT = "int8|uint8"
_STRINGS = "strings"
_PATH = "path"
_INT = "int"

# Option -> (kind, default, what it does). TinyNeuralNetwork's parameter names; litecast's own
# additions are marked. Switches read by plugins are passed on by name (host->get_option).
_OPTIONS = {
    "nchw_transpose": (_BOOL, True, "4-D inputs and outputs become NHWC"),
    "input_transpose": (_TRANSPOSE, None, "per input: True/False (None: follow nchw_transpose), or one bool for all"),
    "output_transpose": (_TRANSPOSE, None, "per output, as input_transpose"),
    "optimize": (_INT, 3, "graph optimisation level; 0 turns the graph passes off"),
    "group_conv_rewrite": (_BOOL, False, "grouped convolutions as SPLIT + CONV_2D per group + CONCATENATION"),
    "unroll_rnn": (_BOOL, False, "LSTM/GRU/RNN as elementwise ops unrolled over time"),
    "separated_rnn_gate_calc": (_BOOL, False, "with unroll_rnn, one FULLY_CONNECTED per gate"),
    "map_bilstm_to_lstm": (_BOOL, False, "bidirectional LSTM as two unidirectional LSTM ops"),
    "legacy_gelu": (_BOOL, False, "GELU as the tanh approximation"),
    "missing_outputs_as_constants": (_BOOL, False, "accepted; constant outputs are always kept as constant tensors"),
    "fuse_quant_dequant": (_BOOL, False, "a quantized model's inputs and outputs stay integer"),
    "rewrite_quantizable": (_BOOL, False, "float ops between dequantize and quantize run on int8 kernels"),
    "quantize_target_type": (_EIGHT_BIT, None, "integer type a quantized model computes in (default int8)"),
    "quantize_input_output_type": (_EIGHT_BIT, None, "integer type of integer model inputs and outputs"),
    "hybrid_quantization_from_float": (_BOOL, False, "dynamic range: int8 weights, float activations"),
    "hybrid_per_channel": (_BOOL, False, "dynamic range: one weight scale per output channel for convolutions"),
    "hybrid_asymmetric_inputs": (_BOOL, True, "dynamic range: FULLY_CONNECTED quantizes its input asymmetrically"),
    "hybrid_conv": (_BOOL, True, "dynamic range covers CONV_2D and DEPTHWISE_CONV_2D too"),
    "float16_quantization": (_BOOL, False, "float32 weights stored as FLOAT16 behind DEQUANTIZE"),
    "bfloat16_quantization": (_BOOL, False, "refused when True: no TFLite kernel reads bfloat16 weights"),
    "group_tensors": (_BOOL, False, "identical constant tensors stored once"),
    "dump_jit_model_path": (_PATH, None, "also save the traced TorchScript model there"),
    "dump_dummy_input_path": (_PATH, None, "also torch.save the example inputs there"),
    # litecast's own
    "dynamic_exclude": (_STRINGS, (), "litecast: dynamic range leaves these op types or tensor names float"),
    "disabled_passes": (_STRINGS, (), "litecast: graph passes to skip by name"),
    "plugin_dirs": (_STRINGS, (), "litecast: more plugin directories, searched first"),
}

SUPPORTED_OPTIONS = tuple(_OPTIONS)

_PLUGIN_SWITCHES = ("group_conv_rewrite", "unroll_rnn", "separated_rnn_gate_calc", "map_bilstm_to_lstm",
                    "legacy_gelu", "missing_outputs_as_constants", "fuse_quant_dequant", "rewrite_quantizable")
_PLUGIN_VALUES = ("quantize_target_type", "quantize_input_output_type")
_WEIGHT_OPTIONS = ("hybrid_quantization_from_float", "hybrid_per_channel", "hybrid_asymmetric_inputs", "hybrid_conv",
                   "float16_quantization", "group_tensors")


def _check_options(options):
    unknown = [k for k in options if k not in _OPTIONS]
    if unknown:
        raise OptionError(
            f"TFLiteConverter: litecast has no option {', '.join(map(repr, unknown))}; supported: "
            f"{', '.join(SUPPORTED_OPTIONS)}")
    out = {k: v[1] for k, v in _OPTIONS.items()}
    for k, v in options.items():
        kind = _OPTIONS[k][0]
        bad = None
        if kind == _BOOL and not isinstance(v, (bool, int)):
            bad = "True or False"
        elif kind == _INT and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            bad = "a non-negative int"
        elif kind == _EIGHT_BIT and v is not None and v not in ("int8", "uint8") and v not in (torch.int8, torch.uint8):
            bad = "'int8' or 'uint8'"
        elif kind == _PATH and v is not None and not isinstance(v, (str, os.PathLike)):
            bad = "a path"
        elif kind == _STRINGS and (isinstance(v, str) or not all(isinstance(s, (str, os.PathLike)) for s in v)):
            bad = "a list of strings"
        elif kind == _TRANSPOSE and not (v is None or isinstance(v, bool) or
                                        (isinstance(v, (list, tuple)) and all(x is None or isinstance(x, bool)
                                                                              for x in v))):
            bad = "None, a bool, or a list of bools (None: follow nchw_transpose)"
        if bad:
            raise OptionError(f"TFLiteConverter: option {k}={v!r}: expected {bad}")
        out[k] = v
    if out["bfloat16_quantization"]:
        raise ConversionError("bfloat16_quantization: TFLite has no kernel or DEQUANTIZE that reads bfloat16 "
                              "weights; use float16_quantization=True for half-size float weights")
    if not out["hybrid_quantization_from_float"]:
        tuned = [k for k, off in (("hybrid_per_channel", False), ("hybrid_asymmetric_inputs", True),
                                  ("hybrid_conv", True)) if bool(out[k]) != off]
        if out["dynamic_exclude"]:
            tuned.append("dynamic_exclude")
        if tuned:
            raise OptionError(f"TFLiteConverter: {', '.join(tuned)} tune dynamic-range quantization; pass "
                              "hybrid_quantization_from_float=True too")
    return out


def _transpose_flags(value, count):
    if value is None:
        return []
    if isinstance(value, bool):
        return [value] * count
    return list(value)


def _example_inputs(dummy_input):
    items = list(dummy_input) if isinstance(dummy_input, (tuple, list)) else [dummy_input]
    if not items:
        raise ConversionError("dummy_input: empty; give a tensor or a tuple/list of tensors, one per model input")
    for i, t in enumerate(items):
        if not isinstance(t, torch.Tensor):
            which = "dummy_input" if not isinstance(dummy_input, (tuple, list)) else f"dummy_input[{i}]"
            raise ConversionError(f"{which} is a {type(t).__name__}, not a tensor; give a tensor or a "
                                  "tuple/list of tensors, one per model input")
    return items


def _script(model, inputs):
    """(ScriptModule, name) for an nn.Module, ScriptModule or ScriptFunction."""
    if isinstance(model, torch.jit.ScriptModule):
        return model, getattr(model, "original_name", type(model).__name__)
    if isinstance(model, torch.jit.ScriptFunction):
        fn = model

        class _Function(torch.nn.Module):
            def forward(self, *args):
                return fn(*args)

        module, name = _Function(), model.name
    elif isinstance(model, torch.nn.Module):
        module, name = model, type(model).__name__
        model.eval()  # as TinyNeuralNetwork does
    else:
        raise ConversionError(f"model is a {type(model).__name__}; expected a torch.nn.Module, a "
                              "torch.jit.ScriptModule or a torch.jit.ScriptFunction")
    with warnings.catch_warnings():
        # torch 2.x calls torch.jit.trace deprecated; the user did not call it, litecast did.
        warnings.filterwarnings("ignore", category=FutureWarning, message=r".*torch\.jit\.")
        try:
            # check_trace off: the check traces a second time and runs both graphs (about 5x the
            # trace itself on mobilenet_v2); the converted model is what gets compared.
            with torch.no_grad():
                return torch.jit.trace(module, tuple(inputs), check_trace=False), name
        except Exception as e:  # tracing runs the user's code: whatever it raises
            first = next((ln for ln in str(e).splitlines() if ln.strip()), type(e).__name__)
            raise ConversionError(f"{name}: torch.jit.trace failed: {first}") from None


class TFLiteConverter:
    """TinyNeuralNetwork's converter: TFLiteConverter(model, dummy_input, tflite_path, **options).convert().

    model: an nn.Module (put in eval mode and traced under no_grad), a torch.jit.ScriptModule or a
    torch.jit.ScriptFunction (used as they are: scripted control flow is resolved by the example
    shapes). dummy_input: a tensor or a tuple/list of tensors, one per model input; their shapes,
    dtypes (int64, quantized per tensor, ...) and values are the conversion's example. Options: see
    SUPPORTED_OPTIONS and docs/python.md; one litecast does not have raises OptionError.
    """

    def __init__(self, model, dummy_input, tflite_path, **options):
        self.options = _check_options(options)
        self.model = model
        self.inputs = _example_inputs(dummy_input)
        self.tflite_path = os.fspath(tflite_path)
        self.summary = None

    def convert(self):
        """Writes tflite_path (through a temporary file: nothing is left behind on failure) and
        returns a summary dict: operators, tensors, operator_histogram, passes, warnings."""
        o = self.options
        scripted, name = _script(self.model, self.inputs)
        if o["dump_jit_model_path"]:
            scripted.save(os.fspath(o["dump_jit_model_path"]))
        if o["dump_dummy_input_path"]:
            torch.save(tuple(self.inputs), os.fspath(o["dump_dummy_input_path"]))
        n_outputs = len(o["output_transpose"]) if isinstance(o["output_transpose"], (list, tuple)) else 0
        native = {
            "nchw_transpose": bool(o["nchw_transpose"]),
            "input_transpose": _transpose_flags(o["input_transpose"], len(self.inputs)),
            "optimize": int(o["optimize"]),
            "disabled_passes": [str(p) for p in o["disabled_passes"]],
            "plugin_options": {k: "1" for k in _PLUGIN_SWITCHES if o[k]},
            "dynamic_exclude": [str(p) for p in o["dynamic_exclude"]],
        }
        if isinstance(o["output_transpose"], bool):
            native["output_transpose"] = [o["output_transpose"]] * _count_outputs(scripted, self.inputs)
        else:
            native["output_transpose"] = _transpose_flags(o["output_transpose"], n_outputs)
        for k in _PLUGIN_VALUES:
            if o[k] is not None:
                native["plugin_options"][k] = str(o[k]).replace("torch.", "")
        for k in _WEIGHT_OPTIONS:
            native[k] = bool(o[k])
        try:
            summary = _native.convert(scripted, self.inputs, self.tflite_path, native, plugin_dirs(o["plugin_dirs"]),
                                      name)
        except _native.EngineError as e:
            raise ConversionError(str(e)) from None
        except RuntimeError as e:  # LibTorch's own error, not one the engine worded
            first = next((ln for ln in str(e).splitlines() if ln.strip()), "unknown error")
            raise ConversionError(f"{name}: {first}") from None
        for w in summary["warnings"]:
            warnings.warn(w, stacklevel=2)
        self.summary = summary
        return summary


def _count_outputs(scripted, inputs):
    """How many tensors the model returns (flattened, Nones left out, as the engine counts)."""
    def flat(v):
        if isinstance(v, (tuple, list)):
            return sum(flat(x) for x in v)
        return 0 if v is None else 1

    with torch.no_grad():
        return flat(scripted(*[t.clone() for t in inputs]))


def convert(model, dummy_input, tflite_path, **options):
    """TFLiteConverter(model, dummy_input, tflite_path, **options).convert()."""
    return TFLiteConverter(model, dummy_input, tflite_path, **options).convert()
