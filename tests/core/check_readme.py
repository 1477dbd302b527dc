#!/usr/bin/env python3
"""Every code block in README.md preceded by a marker line
   <!-- example: PATH -->
must be exactly the file PATH, so the README shows code that the build
compiles and the tests run. Fails when a marker's file is missing or differs,
or when the README has no such marker at all."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
readme = (root / "README.md").read_text()
blocks = re.findall(r"<!-- example: (\S+) -->\s*```\w*\n(.*?)```", readme, re.S)
if not blocks:
    sys.exit("README.md has no <!-- example: PATH --> code blocks")
bad = 0
for path, code in blocks:
    f = root / path
    if not f.exists():
        print(f"README example {path}: file missing")
        bad += 1
    elif f.read_text() != code:
        print(f"README example {path}: README block differs from the file")
        bad += 1
    else:
        print(f"README example {path}: matches")
sys.exit(1 if bad else 0)
