"""inspect(), plugins() and prune(): the commands of the same names, from Python."""
import json
import os
import subprocess
import tempfile

import torch

from ._errors import ToolError
from ._paths import CLI, plugin_dirs


def _run(command, args):
    """Runs `litecast COMMAND ARGS --json`; the parsed JSON, or ToolError with its error line."""
    r = subprocess.run([CLI, command, *args, "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        lines = [ln for ln in r.stderr.splitlines() if ln.strip() and not ln.startswith("warning: ")]
        raise ToolError(lines[-1] if lines else f"litecast {command} failed with exit code {r.returncode}")
    return json.loads(r.stdout)


def inspect(path):
    """What `litecast inspect PATH --json` prints, as a dict: file, file_bytes, inputs and
    outputs (name, dtype, shape, quantization), operators, operator_histogram, tensors, sizes."""
    return _run("inspect", [os.fspath(path)])


def plugins(extra_dirs=None):
    """The plugins the converter loads (extra_dirs', the package's, then LITECAST_PLUGIN_PATH's):
    a list of dicts with id, version, abi, path, description, translators, interfaces."""
    from ._convert import _native
    return _native.plugins(plugin_dirs(extra_dirs))


def prune(model, dummy_input, config, output_path=None, *, write_config=None, dry_run=False):
    """TinyNeuralNetwork's one-shot channel pruning (`litecast prune`, docs/pruning.md).

    model: an nn.Module (traced in eval mode under no_grad), a torch.jit.ScriptModule, or the path
    of a TorchScript file. dummy_input: a tensor or a tuple/list of tensors. config: the YAML
    file's path (rewritten with one rate per prunable layer unless write_config names another
    file) or a dict of the same keys (sparsity, metrics, multiple, ...). Writes the pruned
    TorchScript model to output_path (not with dry_run) and returns the result as a dict (groups
    with the kept channel indices, layers before/after, totals).
    """
    from ._convert import _example_inputs, _script
    if output_path is None and not dry_run:
        raise ToolError("prune: output_path is required unless dry_run=True")
    inputs = _example_inputs(dummy_input)
    with tempfile.TemporaryDirectory(prefix="litecast-prune-") as tmp:
        if isinstance(model, (str, os.PathLike)):
            pt = os.fspath(model)
        else:
            scripted, _ = _script(model, inputs)
            pt = os.path.join(tmp, "model.pt")
            scripted.save(pt)
        example = os.path.join(tmp, "inputs.pt")
        torch.save(tuple(inputs), example)
        if isinstance(config, dict):
            config_path = os.path.join(tmp, "prune.yaml")
            with open(config_path, "w") as f:
                json.dump(config, f)  # JSON is YAML
        else:
            config_path = os.fspath(config)
        args = [pt, "-c", config_path, "--example-input", example, "--quiet"]
        if dry_run:
            args.append("--dry-run")
        else:
            args += ["-o", os.fspath(output_path)]
        if write_config is not None:
            args += ["--write-config", os.fspath(write_config)]
        return _run("prune", args)
