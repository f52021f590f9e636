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


def quantize(model, calibration_data, output_path, *, algorithm=None, dummy_input=None, calibration_samples=None,
             percentile=None, per_tensor=False, quantize_target_type=None, fuse_quant_dequant=False,
             quantize_input_output_type=None, nchw_transpose=True, report=None, config=None, write_config=None,
             quantized_input_stats=None, activations=None, image_size=None, image_mean=None, image_std=None):
    """Post-training quantization to a fully int8 .tflite (`litecast quantize`, docs/quantization.md).

    model: an nn.Module (traced in eval mode under no_grad), a torch.jit.ScriptModule, or the path
    of a TorchScript file. calibration_data: the path of a .npy/.npz/.pt file or a directory of
    them (.png/.jpg images too: image_size (H, W), image_mean and image_std, one value or one per
    channel, normalize them after scaling to [0, 1]), or the samples themselves: a tensor (a batch
    along dim 0) or a tuple/list of tensors, one per input. dummy_input traces an nn.Module (default: the first calibration sample).
    algorithm: l2 (default, or the config's), kl, minmax, percentile, or a plugin's. report: a path
    for the per-layer JSON report. config: a mixed-precision YAML config (per-layer skip/algorithm,
    quantize_op_action); the full per-layer config is written to write_config (default: beside
    the output, model.quant.yaml, unless that is the config read). Returns the summary as a dict
    (output, algorithm, samples, config_written, ...). quantized_input_stats: [(mean, std)] per
    input, with fuse_quant_dequant: the model takes the raw integer data that (x - mean) / std
    normalises, as TinyNeuralNetwork's option of that name. activations: "int8" (default) or
    "int16" (the 16x8 mode: int16 activations, int8 weights).
    """
    from ._convert import _example_inputs, _script
    with tempfile.TemporaryDirectory(prefix="litecast-quantize-") as tmp:
        if isinstance(calibration_data, (str, os.PathLike)):
            data_path, samples = os.fspath(calibration_data), None
        else:
            samples = _example_inputs(calibration_data)
            data_path = os.path.join(tmp, "calibration.pt")
            torch.save(tuple(samples), data_path)
        if isinstance(model, (str, os.PathLike)):
            pt = os.fspath(model)
        else:
            if dummy_input is None:
                if samples is None:
                    raise ToolError("quantize: pass dummy_input to trace the model (the calibration data is a path)")
                dummy_input = tuple(s[:1] for s in samples)
            scripted, _ = _script(model, _example_inputs(dummy_input))
            pt = os.path.join(tmp, "model.pt")
            scripted.save(pt)
        args = [pt, "-o", os.fspath(output_path), "--calibration-data", data_path, "--quiet"]
        if algorithm is not None:
            args += ["--algorithm", str(algorithm)]
        if config is not None:
            args += ["--config", os.fspath(config)]
        if write_config is not None:
            args += ["--write-config", os.fspath(write_config)]
        if activations is not None:
            args += ["--activations", str(activations)]
        for mean, std in quantized_input_stats or ():
            args += ["--quantized-input-stats", f"{float(mean)!r},{float(std)!r}"]
        if calibration_samples is not None:
            args += ["--calibration-samples", str(int(calibration_samples))]
        if percentile is not None:
            args += ["--percentile", str(float(percentile))]
        if per_tensor:
            args.append("--per-tensor")
        if quantize_target_type is not None:
            args += ["--quantize-target-type", str(quantize_target_type)]
        if fuse_quant_dequant:
            args.append("--fuse-quant-dequant")
        if quantize_input_output_type is not None:
            args += ["--quantize-input-output-type", str(quantize_input_output_type)]
        if not nchw_transpose:
            args.append("--no-nchw-transpose")
        if report is not None:
            args += ["--report", os.fspath(report)]
        for option, value in (("--image-size", image_size), ("--image-mean", image_mean), ("--image-std", image_std)):
            if value is not None:
                values = value if isinstance(value, (list, tuple)) else [value]
                args += [option, ",".join(str(v) for v in values)]
        return _run("quantize", args)
