"""litecast's exceptions: each carries the engine's complete one-line message (it names the
model, node, option or file); no C++ traceback comes with it."""


class Error(Exception):
    """Base class of litecast's errors."""


class ConversionError(Error):
    """A conversion failed: unsupported op, bad input, an option the model cannot take, ..."""


class OptionError(ConversionError, TypeError):
    """An option litecast does not have, or a value of the wrong kind."""


class ToolError(Error):
    """`inspect`, `prune` or `plugins` failed."""
