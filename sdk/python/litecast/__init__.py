"""litecast: PyTorch models to TFLite, natively.

    import litecast
    litecast.TFLiteConverter(model, dummy_input, "model.tflite").convert()

`model` is an nn.Module (put in eval mode and traced under no_grad) or a TorchScript module or
function; `dummy_input` a tensor or a tuple/list of tensors. The converter's options carry
TinyNeuralNetwork's parameter names. The conversion runs in this process, in litecast's C++
engine, on the same LibTorch as this torch.

Also: convert(), prune(), quantize(), inspect(), plugins(); errors are litecast.Error subclasses
(ConversionError, ...) with a one-line message. See docs/python.md.
"""
import importlib

from ._errors import ConversionError, Error, OptionError, ToolError

__version__ = "0.1.0"

# Loaded on first use (PEP 562): the `litecast` command imports this package, and should not pay
# for importing torch and the engine before it runs the native command.
_LAZY = {"TFLiteConverter": "_convert", "convert": "_convert", "SUPPORTED_OPTIONS": "_convert",
         "inspect": "_tools", "plugins": "_tools", "prune": "_tools", "quantize": "_tools"}

__all__ = ["Error", "ConversionError", "OptionError", "ToolError", "__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module("." + _LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'litecast' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
