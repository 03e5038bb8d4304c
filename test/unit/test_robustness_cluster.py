"""Cluster files with extreme values: a located error, never an overflow
inside the cost model."""

from __future__ import annotations

import pytest

from autoshard.cost import load_cluster
from autoshard.diagnostics import AutoshardError, SourceLoc


@pytest.mark.parametrize("text, line, col, message", [
    ('{"alpha": 1e308}', 1, 2, "cluster 'alpha' must be between 0 and 1"),
    ('{\n  "beta": 1}', 2, 3, "cluster 'beta' must be between 0 and 0.001"),
    ('{"peak_flops": 1e-300}', 1, 2, "cluster 'peak_flops' must be between"),
    ('{"memory_bandwidth": NaN}', 1, 2, "must be a positive number, got nan"),
    ('{"alpha": Infinity}', 1, 2, "must be a non-negative number, got inf"),
    ('{"alpha": 1e-6, "axes": [{"beta": 1e-11}, {"alpha": 5}]}', 1, 44, "cluster 'axes[1].alpha' must be between"),
    ('{"axes": [{"alpha": 1e-6},\n {"beta": -1}]}', 2, 3, "cluster 'axes[1].beta' must be a non-negative"),
    ('{"alpha": [1', 1, 13, "not valid JSON"),
])
def test_bad_values_are_located(tmp_path, text, line, col, message):
    path = tmp_path / "cluster.json"
    path.write_text(text)
    with pytest.raises(AutoshardError, match=message.replace("(", r"\(").replace("[", r"\[")) as info:
        load_cluster(str(path))
    assert info.value.loc == SourceLoc(str(path), line, col)


def test_extremes_inside_the_ranges_load(tmp_path):
    path = tmp_path / "cluster.json"
    path.write_text('{"alpha": 1, "beta": 1e-3, "peak_flops": 1e3, "memory_bandwidth": 1e18}')
    cluster = load_cluster(str(path))
    assert cluster.link(0).alpha == 1.0 and cluster.peak_flops == 1e3
