"""Data for constants that have none: `dense_resource<__elided__>` weights
(the corpus' frozen and TFLite models) or resources whose blob is missing.

The simulator runs such programs on pseudo-random data seeded by the
constant's printed form (sim/values.py `elements_attr_value`), the same in
the module before and after partitioning.  Native code needs the bytes in
the IR: this puts exactly those values into each such constant, so the
native single-process run, the N ranks and autoshard-verify all compute on
the same weights.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from autoshard.ir import ir
from autoshard.sim.values import elements_attr_value, fill_key, resource_blobs


def fill_elided_constants(module, fill_domains: dict) -> int:
    """Replaces, in place, every data-less `dense_resource` constant by a
    dense one; returns how many.  `fill_domains`: fill key -> Domain, as
    for the simulator (indices in range and the like)."""
    from autoshard.transforms.to_mpi import _walk

    ops: list = []
    _walk(module.operation, ops)
    candidates = [op for op in ops if "values" in op.attributes and fill_key(op.attributes["values"]) is not None]
    if not candidates:
        return 0
    blobs = resource_blobs(module.operation.get_asm())
    source = SimpleNamespace(get=lambda name: None, fill_domains=fill_domains)
    filled = 0
    for op in candidates:
        attr = op.attributes["values"]
        key = fill_key(attr)
        assert key is not None  # candidates all have a fill key
        name = key[len("dense_resource<") : key.index(">")]
        if name != "__elided__" and name in blobs:
            continue  # real data, already in the module
        t = op.results[0].type
        data = np.ascontiguousarray(elements_attr_value(attr, t, op.location, blobs=source))
        with module.context:
            op.attributes["values"] = ir.DenseElementsAttr.get(data, type=ir.RankedTensorType(t))
        filled += 1
    return filled
