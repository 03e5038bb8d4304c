"""Cost formulas against hand-computed values."""

import pytest

from autoshard.cost import Cluster, CostModel
from autoshard.cost.cluster import AxisLink
from autoshard.sharding import Grid, Sharding

G = Grid("g", (2, 4))
# alpha 1 us, beta 1 ns/byte on every axis; axis 1 slower in `slow`.
C = Cluster(peak_flops=1e12, memory_bandwidth=1e9, alpha=1e-6, beta=1e-9)
SHAPE = (8, 16)  # f32: 512 bytes


def cost(src, dst, cluster=C):
    return CostModel(cluster, G).reshard_cost(SHAPE, 4, src, dst)


def test_all_gather_ring():
    # local 4x16 -> 8x16 over axis 0 (n=2): alpha + 1/2 * 512 B * beta
    assert cost(Sharding("g", ((0,),)), Sharding("g")) == pytest.approx(1e-6 + 0.5 * 512 * 1e-9)


def test_all_reduce_ring():
    # partial over axis 1 (n=4), 512 B: 2*3*alpha + 2*3/4*512*beta
    assert cost(Sharding("g", (), (1,)), Sharding("g")) == pytest.approx(6e-6 + 1.5 * 512 * 1e-9)


def test_reduce_scatter_is_half_an_all_reduce_in_bandwidth():
    # partial over axis 1 -> dim 0 split over axis 1: 3*alpha + 3/4*512*beta
    assert cost(Sharding("g", (), (1,)), Sharding("g", ((1,),))) == pytest.approx(3e-6 + 0.75 * 512 * 1e-9)


def test_all_to_all():
    # dim0 split over 1 -> dim1 split over 1; local input 2x16 = 128 B
    assert cost(Sharding("g", ((1,),)), Sharding("g", ((), (1,)))) == pytest.approx(3e-6 + 0.75 * 128 * 1e-9)


def test_all_slice_is_a_local_copy():
    # replicated -> split over both axes: out 1x16 = 64 B at 1 GB/s
    assert cost(Sharding("g"), Sharding("g", ((0, 1),))) == pytest.approx(64 / 1e9)


def test_partial_cannot_be_created():
    assert cost(Sharding("g"), Sharding("g", (), (1,))) is None


def test_identity_is_free_and_group_takes_slowest_link():
    assert cost(Sharding("g", ((0,),)), Sharding("g", ((0,),))) == 0
    slow = Cluster(peak_flops=1e12, axes=(AxisLink(1e-6, 1e-9), AxisLink(1e-5, 1e-8)))
    # all_gather over axes (0, 1), n=8: 7 * 1e-5 + 7/8 * 512 * 1e-8
    assert cost(Sharding("g", ((0, 1),)), Sharding("g"), slow) == pytest.approx(7e-5 + 7 / 8 * 512 * 1e-8)


def test_compute_cost():
    assert CostModel(C, G).compute_cost(2e12, 4) == pytest.approx(0.5)


def test_cluster_file(tmp_path):
    from autoshard.cost import load_cluster

    path = tmp_path / "c.json"
    path.write_text('{"peak_flops": 2e14, "axes": [{"alpha": 1e-6, "beta": 2e-11}, {"beta": 1e-10}]}')
    c = load_cluster(str(path))
    assert c.peak_flops == 2e14
    assert c.link(0) == AxisLink(1e-6, 2e-11)
    assert c.link(1).beta == 1e-10 and c.link(1).alpha == c.alpha
    assert c.link(5) == c.link(1)  # axes beyond the list take the last entry


@pytest.mark.parametrize(
    "text, message",
    [
        ("{", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"peak_flops": -1}', "positive number"),
        ('{"axes": [{"alpha": "x"}]}', "axes\\[0\\].alpha"),
        ('{"bandwidth": 1}', "unknown cluster key 'bandwidth'"),
    ],
)
def test_bad_cluster_file(tmp_path, text, message):
    from autoshard.cost import load_cluster
    from autoshard.diagnostics import AutoshardError

    path = tmp_path / "c.json"
    path.write_text(text)
    with pytest.raises(AutoshardError, match=message):
        load_cluster(str(path))
