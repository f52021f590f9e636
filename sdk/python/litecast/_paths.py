"""Where the package keeps its native parts. Installed and in the build tree (build/python) the
layout is the same: bin/litecast, lib/litecast/plugins/ and _native*.so beside this file."""
import os

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
CLI = os.path.join(PACKAGE_DIR, "bin", "litecast")
PLUGIN_DIR = os.path.join(PACKAGE_DIR, "lib", "litecast", "plugins")


def plugin_dirs(extra=None):
    """--plugin-dir's equivalent first, then the package's plugins (LITECAST_PLUGIN_PATH is read
    by the engine, as on the command line)."""
    dirs = [os.fspath(d) for d in (extra or [])]
    return dirs + [PLUGIN_DIR]
