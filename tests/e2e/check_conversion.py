"""Converts fixtures and compares LiteRT with PyTorch.

Usage: check_conversion.py --cli LITECAST --fixtures DIR [--family F ...] [NAME ...] [-- extra convert args]
(--family: every fixture of tests/e2e/models/F.py)
Prints one line per fixture and a closing line "conversion: N passed, M failed".
"""
import argparse
import json
import os
import sys

import oracle


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    p = argparse.ArgumentParser()
    p.add_argument("--cli", required=True)
    p.add_argument("--fixtures", required=True)
    p.add_argument("--rel-tol", type=float, default=1e-4)
    p.add_argument("--family", action="append", default=[])
    p.add_argument("names", nargs="*")
    a = p.parse_args(argv)
    names = list(a.names)
    if a.family:
        with open(os.path.join(a.fixtures, "index.json")) as f:
            index = json.load(f)
        for fam in a.family:
            if fam not in index:
                p.error(f"no fixture family {fam}")
            names += index[fam]
    if not names:
        p.error("no fixtures named")
    passed = failed = 0
    for name in names:
        try:
            print(oracle.check_fixture(a.cli, a.fixtures, name, extra, a.rel_tol))
            passed += 1
        except oracle.Failure as e:
            print(f"FAIL {e}")
            failed += 1
        except Exception as e:  # LiteRT or torch refusing a model fails that fixture only
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            failed += 1
    print(f"conversion: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
