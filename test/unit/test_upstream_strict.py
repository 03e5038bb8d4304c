"""autoshard-partition{upstream-strict=true} against upstream's own tests:
invalid_annotated.mlir passes --verify-diagnostics (its 5 functions each
rejected with upstream's message where upstream locates it), each of its
functions alone is rejected, and the functions of the positive files
upstream partitions (partition.mlir, resharding-partition.mlir) get past the
strict check and are partitioned."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autoshard.tools.driver import run_pipeline
from autoshard.tools.function_cases import file_cases

ROOT = Path(__file__).resolve().parents[2]
UPSTREAM = ROOT.parent / "shared" / "upstream-tests" / "shard"
STRICT = "builtin.module(autoshard-partition{upstream-strict=true})"
MESSAGE = re.compile(r"^<upstream>:(\d+):\d+: error: (Cannot partition: .*)$", re.M)

needs_upstream = pytest.mark.skipif(
    not UPSTREAM.is_dir(), reason=f"{UPSTREAM} is absent (upstream's shard tests live in ../shared)")


def _cases(*files: str) -> list[tuple[str, str, str]]:
    """(file, function, module text with the other functions blanked) per annotated function."""
    return [(c.file, c.function, c.text) for f in files for c in file_cases(UPSTREAM / f) if c.annotated]


def _expected_errors(text: str) -> list[tuple[int, str]]:
    """(line, message) of every `expected-error @+1` in `text`."""
    return [(i + 2, m) for i, line in enumerate(text.split("\n"))
            for m in re.findall(r"expected-error @\+1 \{\{(.*)\}\}", line)]


@needs_upstream
def test_invalid_annotated_passes_verify_diagnostics():
    text = (UPSTREAM / "invalid_annotated.mlir").read_text()
    result = run_pipeline(text, STRICT, "invalid_annotated.mlir", verify_diagnostics=True)
    assert result.ok, result.stderr


@needs_upstream
def test_invalid_annotated_reports_every_function_and_writes_nothing():
    text = (UPSTREAM / "invalid_annotated.mlir").read_text()
    result = run_pipeline(text, STRICT, "<upstream>")
    assert not result.ok and result.output == ""
    expected = _expected_errors(text)
    assert [(int(n), m) for n, m in MESSAGE.findall(result.stderr)] == expected
    assert len(expected) == 5


@needs_upstream
def test_each_invalid_function_alone_is_rejected():
    text = (UPSTREAM / "invalid_annotated.mlir").read_text()
    expected = _expected_errors(text)
    cases = [(name, case) for _, name, case in _cases("invalid_annotated.mlir")]
    assert len(cases) == 5
    for (name, case), want in zip(cases, expected):
        result = run_pipeline(case, STRICT, "<upstream>")
        assert not result.ok and result.output == "", name
        assert [(int(n), m) for n, m in MESSAGE.findall(result.stderr)] == [want], (name, result.stderr)


@needs_upstream
def test_positive_upstream_functions_pass_the_strict_check():
    cases = _cases("partition.mlir", "resharding-partition.mlir")
    assert len(cases) >= 25
    for file, name, text in cases:
        result = run_pipeline(text, STRICT, "<upstream>")
        assert result.ok, (file, name, result.stderr)
