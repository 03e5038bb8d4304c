"""docs/usage.md's Python example runs exactly as printed."""

import contextlib
import io
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_usage_python_example_runs_as_printed():
    doc = (ROOT / "docs" / "usage.md").read_text()
    section = doc[doc.index("## From Python"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "docs/usage.md", "exec"), {})
    finally:
        os.chdir(cwd)
    printed = out.getvalue()
    assert "total modelled cost" in printed
    assert "autoshard-verify @mlp: 1 result and" in printed
    assert "func.func private @autoshard.original.mlp" in printed and "autoshard.global_type" in printed
