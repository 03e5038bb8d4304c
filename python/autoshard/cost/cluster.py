"""The machine autoshard plans for: peak FLOP/s per device, local memory
bandwidth, and an alpha-beta link model per grid axis.

JSON form (all keys optional; `axes[i]` applies to grid axis i, the last entry
to any further axes, and top-level `alpha`/`beta` to axes not listed):

    {"peak_flops": 1e14, "memory_bandwidth": 1e12,
     "alpha": 5e-6, "beta": 1e-11,
     "axes": [{"alpha": 5e-6, "beta": 1e-11}, {"alpha": 1e-5, "beta": 4e-11}]}

alpha is seconds per message, beta seconds per byte (1 / bandwidth).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from autoshard.diagnostics import AutoshardError, SourceLoc

DEFAULT_PEAK_FLOPS = 100e12  # an accelerator of the A100/TPUv4 class, f32-ish
DEFAULT_MEMORY_BANDWIDTH = 1.5e12  # bytes/s, HBM
DEFAULT_ALPHA = 5e-6  # s per collective step
DEFAULT_BETA = 1.0 / 100e9  # s/byte: 100 GB/s links


@dataclass(frozen=True)
class AxisLink:
    alpha: float
    beta: float


@dataclass(frozen=True)
class Cluster:
    peak_flops: float = DEFAULT_PEAK_FLOPS
    memory_bandwidth: float = DEFAULT_MEMORY_BANDWIDTH
    axes: tuple[AxisLink, ...] = ()
    alpha: float = DEFAULT_ALPHA
    beta: float = DEFAULT_BETA

    def link(self, axis: int) -> AxisLink:
        if not self.axes:
            return AxisLink(self.alpha, self.beta)
        return self.axes[min(axis, len(self.axes) - 1)]

    def group_link(self, axes) -> AxisLink:
        """A ring over several grid axes runs at the pace of its slowest link."""
        links = [self.link(a) for a in axes]
        return AxisLink(max(l.alpha for l in links), max(l.beta for l in links))


# Physically sensible ranges.  Beyond them a value is a typo, and the costs
# it produces (seconds times 1e12 picoseconds, summed) leave the 64-bit
# integers the solver works in.
_RANGES = {
    "peak_flops": (1e3, 1e21),
    "memory_bandwidth": (1e3, 1e18),
    "alpha": (0.0, 1.0),  # seconds per message
    "beta": (0.0, 1e-3),  # seconds per byte: 1 kB/s at the slowest
}


class _ClusterFile:
    """The cluster file's text, to locate its errors at the offending key."""

    def __init__(self, path: str, text: str):
        self.path = path
        self.text = text

    def loc(self, key: str | None = None, occurrence: int = 0) -> SourceLoc:
        at = -1
        if key is not None:
            for _ in range(occurrence + 1):
                at = self.text.find(f'"{key}"', at + 1)
                if at < 0:
                    break
        if at < 0:
            return SourceLoc(self.path, 1, 1)
        line = self.text.count("\n", 0, at) + 1
        return SourceLoc(self.path, line, at - (self.text.rfind("\n", 0, at) + 1) + 1)

    def error(self, message: str, key: str | None = None, occurrence: int = 0) -> AutoshardError:
        return AutoshardError(f"{self.path}: {message}", self.loc(key, occurrence))


def _number(value, key: str, what: str, file: _ClusterFile, occurrence: int = 0) -> float:
    low, high = _RANGES[key]
    kind = "positive" if key in ("peak_flops", "memory_bandwidth") else "non-negative"
    if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
            or value < 0 or (kind == "positive" and value == 0)):
        raise file.error(f"cluster '{what}' must be a {kind} number, got {value!r}", key, occurrence)
    if not low <= value <= high:
        raise file.error(f"cluster '{what}' must be between {low:g} and {high:g}, got {value!r}", key, occurrence)
    return float(value)


def load_cluster(path: str) -> Cluster:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise AutoshardError(f"cannot read cluster file '{path}': {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise AutoshardError(f"{path}: cluster file is not UTF-8 text ({e.reason})", SourceLoc(path, 1, 1)) from None
    file = _ClusterFile(path, text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise AutoshardError(f"{path}: cluster file is not valid JSON: {e.msg}",
                             SourceLoc(path, e.lineno, e.colno)) from None
    except RecursionError:
        raise file.error("cluster file nested too deeply") from None
    if not isinstance(data, dict):
        raise file.error("cluster file must hold a JSON object")
    known = {"peak_flops", "memory_bandwidth", "alpha", "beta", "axes"}
    for key in data:
        if key not in known:
            raise file.error(f"unknown cluster key '{key}' (known: {', '.join(sorted(known))})", key)
    kw = {}
    for key in ("peak_flops", "memory_bandwidth"):
        if key in data:
            kw[key] = _number(data[key], key, key, file)
    alpha = _number(data.get("alpha", DEFAULT_ALPHA), "alpha", "alpha", file)
    beta = _number(data.get("beta", DEFAULT_BETA), "beta", "beta", file)
    axes = []
    raw_axes = data.get("axes", [])
    if not isinstance(raw_axes, list):
        raise file.error("cluster 'axes' must be a list", "axes")
    top = {"alpha": int("alpha" in data), "beta": int("beta" in data)}  # occurrences before the axes
    for i, ax in enumerate(raw_axes):
        if not isinstance(ax, dict):
            raise file.error(f"cluster 'axes[{i}]' must be an object", "axes")
        link = []
        for key, default in (("alpha", alpha), ("beta", beta)):
            link.append(_number(ax.get(key, default), key, f"axes[{i}].{key}", file, top[key]))
            top[key] += int(key in ax)
        axes.append(AxisLink(*link))
    return Cluster(alpha=alpha, beta=beta, axes=tuple(axes), **kw)
