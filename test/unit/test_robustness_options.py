"""autoshard pass options outside what the solver takes are option errors,
not a TypeError deep in CP-SAT or a search that never ends."""

from __future__ import annotations

import pytest

from autoshard.diagnostics import AutoshardError
from autoshard.transforms.autoshard_pass import AutoshardPass


@pytest.mark.parametrize("option, value, message", [
    ("seed", "99999999999999999999", "expects an integer from 0 to 2147483647"),
    ("seed", "-1", "expects an integer from 0 to 2147483647"),
    ("threads", "0", "expects an integer from 1 to 256"),
    ("threads", "100000", "expects an integer from 1 to 256"),
    ("time-limit", "inf", "expects a finite positive number"),
    ("time-limit", "nan", "expects a finite positive number"),
    ("time-limit", "1e308", "expects a positive number up to 604800"),
])
def test_out_of_range_options(option, value, message):
    with pytest.raises(AutoshardError, match=message):
        AutoshardPass.from_options({option: value})


def test_options_inside_the_ranges():
    p = AutoshardPass.from_options({"seed": "2147483647", "threads": "256", "time-limit": "604800"})
    assert (p.seed, p.threads, p.time_limit) == (2147483647, 256, 604800.0)
