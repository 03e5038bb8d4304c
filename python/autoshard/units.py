"""Byte sizes as users write them (160MiB, 2GB) and as reports print them."""

from __future__ import annotations

import re

from autoshard.diagnostics import AutoshardError

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_bytes(text: str, option: str) -> int:
    m = _SIZE.match(text)
    if not m:
        raise AutoshardError(f"option '{option}' expects a size such as 160MiB or 2GB, got '{text}'")
    return int(float(m.group(1)) * _UNITS[(m.group(2) or "B").lower()])


def format_bytes(n: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n} B"


