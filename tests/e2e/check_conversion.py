"""Converts fixtures and compares LiteRT with PyTorch.

Usage: check_conversion.py --cli LITECAST --fixtures DIR NAME [NAME ...] [-- extra convert args]
Prints one line per fixture and a closing line "conversion: N passed, M failed".
"""
import argparse
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
    p.add_argument("names", nargs="+")
    a = p.parse_args(argv)
    passed = failed = 0
    for name in a.names:
        try:
            print(oracle.check_fixture(a.cli, a.fixtures, name, extra, a.rel_tol))
            passed += 1
        except oracle.Failure as e:
            print(f"FAIL {e}")
            failed += 1
    print(f"conversion: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
