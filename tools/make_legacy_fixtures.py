"""Writes the fixtures saved by an older torch (1.13) that litecast must keep converting:
TorchScript files from users' older trainings. Run with Debian's python3-torch (1.13):

    /usr/bin/python3 tools/make_legacy_fixtures.py tests/e2e/legacy

The files are committed (tests/e2e/legacy/); the tests convert them with the current host
and compare in LiteRT with the current torch running the same files. The models are fixtures
of tests/e2e/models/ (same names, same seeds), made with tools/make_fixtures.py's code.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures  # noqa: E402

# Float CNN and MLP ops, 1.13's fused transformer ops (their schemas moved on since), eager
# and FX quantized models (1.13's packed-parameter format).
NAMES = ["mlp", "two_in_out", "conv2d_basic", "conv2d_stride_pad_same", "mha_self", "encoder_post_norm_gelu",
         "encoder_stack", "q_conv2d_relu", "q_conv2d_per_channel", "q_linear", "q_add"]


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    if not torch.__version__.startswith("1.13"):
        print(f"make_legacy_fixtures: run with torch 1.13 (this is {torch.__version__})", file=sys.stderr)
        return 2
    out_dir = argv[1]
    os.makedirs(out_dir, exist_ok=True)
    families = make_fixtures.load_families()
    every = {n: e for _, fx in families.values() for n, e in fx.items()}
    for name in NAMES:
        make_fixtures.make(out_dir, name, every[name])
    make_fixtures.write_json(os.path.join(out_dir, "index.json"), {"legacy": NAMES})
    print(f"legacy fixtures: {len(NAMES)} made with torch {torch.__version__} in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
