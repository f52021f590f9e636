"""The `litecast` command of the Python package: runs the native command installed inside it."""
import os
import sys

from ._paths import CLI


def main():
    if not os.access(CLI, os.X_OK):
        sys.stderr.write(f"litecast: the native command is missing ({CLI}); reinstall the package\n")
        return 1
    os.execv(CLI, [CLI] + sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
