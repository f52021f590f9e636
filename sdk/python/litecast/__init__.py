"""litecast: PyTorch models to TFLite, natively.

    import litecast
    litecast.TFLiteConverter(model, dummy_input, "model.tflite").convert()

`model` is an nn.Module (put in eval mode and traced under no_grad) or a TorchScript module or
function; `dummy_input` a tensor or a tuple/list of tensors. The converter's options carry
TinyNeuralNetwork's parameter names. The conversion runs in this process, in litecast's C++
engine, on the same LibTorch as this torch.

Also: convert(), prune(), inspect(), plugins(); errors are litecast.Error subclasses
(ConversionError, ...) with a one-line message.
"""
import torch  # loads LibTorch and torch's Python bindings before the engine

from ._build_info import TORCH_VERSION as _BUILT_FOR

# The engine links this torch's LibTorch, whose C++ ABI changes between minor versions.
if torch.__version__.split("+")[0].split(".")[:2] != _BUILT_FOR.split(".")[:2]:
    raise ImportError(f"litecast was built against torch {_BUILT_FOR}, this Python has torch {torch.__version__}: "
                      "reinstall litecast in this environment (pip install .)")

from ._errors import ConversionError, Error, OptionError, ToolError
from ._convert import SUPPORTED_OPTIONS, TFLiteConverter, convert
from ._tools import inspect, plugins, prune

__version__ = "0.1.0"

__all__ = [
    "TFLiteConverter", "convert", "prune", "inspect", "plugins", "SUPPORTED_OPTIONS",
    "Error", "ConversionError", "OptionError", "ToolError", "__version__",
]
