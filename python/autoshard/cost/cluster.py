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

from autoshard.diagnostics import AutoshardError

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


def _positive(value, what: str, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise AutoshardError(f"{path}: cluster '{what}' must be a positive number, got {value!r}")
    return float(value)


def _nonneg(value, what: str, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise AutoshardError(f"{path}: cluster '{what}' must be a non-negative number, got {value!r}")
    return float(value)


def load_cluster(path: str) -> Cluster:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise AutoshardError(f"cannot read cluster file '{path}': {e.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise AutoshardError(f"{path}: cluster file is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise AutoshardError(f"{path}: cluster file must hold a JSON object")
    known = {"peak_flops", "memory_bandwidth", "alpha", "beta", "axes"}
    for key in data:
        if key not in known:
            raise AutoshardError(f"{path}: unknown cluster key '{key}' (known: {', '.join(sorted(known))})")
    kw = {}
    if "peak_flops" in data:
        kw["peak_flops"] = _positive(data["peak_flops"], "peak_flops", path)
    if "memory_bandwidth" in data:
        kw["memory_bandwidth"] = _positive(data["memory_bandwidth"], "memory_bandwidth", path)
    alpha = _nonneg(data.get("alpha", DEFAULT_ALPHA), "alpha", path)
    beta = _nonneg(data.get("beta", DEFAULT_BETA), "beta", path)
    axes = []
    raw_axes = data.get("axes", [])
    if not isinstance(raw_axes, list):
        raise AutoshardError(f"{path}: cluster 'axes' must be a list")
    for i, ax in enumerate(raw_axes):
        if not isinstance(ax, dict):
            raise AutoshardError(f"{path}: cluster 'axes[{i}]' must be an object")
        axes.append(
            AxisLink(
                _nonneg(ax.get("alpha", alpha), f"axes[{i}].alpha", path),
                _nonneg(ax.get("beta", beta), f"axes[{i}].beta", path),
            )
        )
    return Cluster(alpha=alpha, beta=beta, axes=tuple(axes), **kw)
