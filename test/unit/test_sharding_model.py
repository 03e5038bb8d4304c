import pytest

from autoshard.sharding import Grid, Sharding, ShardingError


G = Grid("g", (2, 4))


def test_canonical_form_drops_trailing_unsplit_dims_and_sorts_partials():
    a = Sharding("g", ((0,), (), ()), (1,))
    b = Sharding("g", ((0,),), (1,))
    assert a == b and hash(a) == hash(b)
    assert Sharding("g", ((), ())) == Sharding.replicated("g")
    assert Sharding("g", (), (1, 0)).partial_axes == (0, 1)
    assert Sharding("g", (), (), "max").partial_kind == "sum"  # no partial axes -> canonical kind


def test_local_shape_and_counts():
    sh = Sharding("g", ((0,), (), (1,)))
    assert sh.local_shape(G, (32, 1000, 4096)) == (16, 1000, 1024)
    assert Sharding("g", ((1, 0),)).local_shape(G, (16, 3)) == (2, 3)
    assert sh.num_shards(G) == 8


@pytest.mark.parametrize(
    "sh, shape, message",
    [
        (Sharding("g", ((2,),)), (8,), "out of range"),
        (Sharding("g", ((0,), (0,))), (8, 8), "more than once"),
        (Sharding("g", ((0,),), (0,)), (8,), "more than once"),
        (Sharding("g", ((1,),)), (1,), "size 1"),
        (Sharding("g", ((1,),)), (3,), "cannot be split into 4 shards"),
        (Sharding("g", ((), (), (1,))), (8, 8), "rank 2"),
        (Sharding("h", ()), (8,), "grid"),
    ],
)
def test_invalid_shardings_are_reported(sh, shape, message):
    with pytest.raises(ShardingError, match=message):
        sh.check(G, shape)


def test_valid_sharding_passes():
    Sharding("g", ((0, 1), ()), (), "sum").check(G, (8, 3))


def test_grid_validation():
    assert Grid.parse_shape("2x4") == (2, 4)
    for bad in ("", "2x", "x", "0x2", "a"):
        with pytest.raises(ShardingError):
            Grid.parse_shape(bad)
    with pytest.raises(ShardingError):
        Grid("g", (2, 0))


def test_dynamic_grid_axes():
    g = Grid("g", (4, -1, 2))
    assert not g.is_static and g.dynamic_axes == (1,) and g.shape_text == "4x?x2"
    assert g.group_size([0, 2]) == 8 and g.group_size([1]) < 0
    # A dimension split over a dynamic axis has a dynamic local size; the
    # others keep theirs.
    assert Sharding("g", ((1,), (0,))).local_shape(g, (10, 8)) == (-1, 2)
    assert Sharding("g", ((0,),)).local_shape(g, (-1, 8)) == (-1, 8)
    Sharding("g", ((1,), (0,))).check(g, (10, 8))  # divisibility is a run-time matter, as upstream
    assert g.divides(10, [1]) and not g.divides(1, [1]) and not g.divides(-1, [1])
    assert g.instantiate([3]) == Grid("g", (4, 3, 2)) and g.accepts((4, 7, 2)) and not g.accepts((2, 7, 2))
    with pytest.raises(ShardingError):
        g.devices()
    with pytest.raises(ShardingError):
        g.instantiate([2, 2])
