"""python -m litecast ...: the same as the `litecast` command."""
import sys

from ._cli import main

sys.exit(main())
