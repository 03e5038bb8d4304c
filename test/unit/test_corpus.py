"""Every corpus file -- the real exports in /work/shared/corpus (when
present) and the exporter-style files of test/corpus -- on grids 2x4 and 8:

(a) `autoshard` plans it with a sharding rule for every op (no "no sharding
    rule" warning);
(b) under the corpus budget (40% of the all-replicated peak per device, or
    1.01 x the smallest peak the solver reaches where that is infeasible),
    `autoshard,autoshard-partition,autoshard-verify` succeeds.

Each case runs in its own process (autoshard.tools.corpus_check) so that
its memory is its own; bench/corpus.py prints the same cases as a table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autoshard.tools.corpus_check import GRIDS, NO_RULE, check_case, corpus_files

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpus"
OWN = ROOT / "test" / "corpus"
TIMEOUT = 900.0


def _cases():
    params = []
    for base, label in ((SHARED, "shared"), (OWN, "own")):
        if base == SHARED and not SHARED.is_dir():
            params.append(pytest.param(None, None, id="shared-absent",
                                       marks=pytest.mark.skip(reason=f"{SHARED} is absent")))
            continue
        for path in corpus_files([base]):
            for grid in GRIDS:
                rel = path.relative_to(base)
                params.append(pytest.param(path, grid, id=f"{label}/{rel}@{grid}"))
    return params


CASES = _cases()


def test_own_corpus_is_present():
    assert len(corpus_files([OWN])) >= 14


@pytest.mark.parametrize("path,grid", CASES)
def test_every_op_has_a_rule(path, grid):
    r = check_case(path, grid, "plan", TIMEOUT)
    assert r.ok, r.first_error
    missing = [w for w in r.warnings if NO_RULE in w]
    assert not missing, "; ".join(missing)


@pytest.mark.parametrize("path,grid", CASES)
def test_plan_partition_verify_under_budget(path, grid):
    r = check_case(path, grid, "full", TIMEOUT)
    assert r.ok, r.first_error
    assert r.peak is not None and r.budget is not None and r.peak <= r.budget, (r.peak, r.budget)
