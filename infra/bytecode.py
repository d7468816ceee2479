"""Compile shipped Python code to bytecode for the Lambda runtime's Python.

Lambda unpacks a function and its layers read-only, so Python cannot cache the bytecode it compiles there:
code shipped without bytecode is compiled from source on every cold start (our own package on the API's
path, and far more for the dependencies). `sam build` leaves all bytecode out of its output, so
`make build` compiles that output afterwards, and the cold-start benchmark runs our package compiled the
same way. The `.pyc` files are unchecked-hash ones: used without comparing the source's timestamp, which a
zip's two-second times would otherwise make stale.

`python3.13 -m infra.bytecode DIR...` (run by the interpreter the bytecode is for).
"""

from __future__ import annotations

import compileall
import sys
from pathlib import Path
from py_compile import PycInvalidationMode


def compile_tree(root: Path) -> bool:
    """Compile every module under `root` for this interpreter; False if any failed to compile."""
    return bool(
        compileall.compile_dir(root, quiet=1, workers=0, invalidation_mode=PycInvalidationMode.UNCHECKED_HASH)
    )


if __name__ == "__main__":
    compiled = [compile_tree(Path(path)) for path in sys.argv[1:]]  # every tree, even after a failure
    sys.exit(0 if all(compiled) else 1)
