from autoshard.rules import OpInfo, TensorInfo, rule_for
from autoshard.sharding import Grid, Sharding


def t(*shape):
    return TensorInfo(tuple(shape), "f32", 4)


G = Grid("g", (2, 4))


def matmul_rule():
    return rule_for(OpInfo("tosa.matmul", (t(4, 8, 16), t(4, 16, 32), t(1), t(1)), (t(4, 8, 32),)))


def test_matmul_k_split_leaves_partial_sum():
    rule = matmul_rule()
    strat = ((0,), (), (), (1,))  # batch on axis 0, k on axis 1
    assert rule.operand_sharding(G, strat, 0) == Sharding("g", ((0,), (), (1,)))
    assert rule.operand_sharding(G, strat, 1) == Sharding("g", ((0,), (1,)))
    assert rule.operand_sharding(G, strat, 2) == Sharding("g")  # zero point
    assert rule.result_sharding(G, strat) == Sharding("g", ((0,),), (1,), "sum")
    assert rule.shards(G, strat) == 8
    assert rule.flops == 2 * 4 * 8 * 32 * 16


def test_strategy_enumeration_is_complete_and_valid():
    rule = matmul_rule()
    strats = rule.strategies(G)
    assert strats[0] == ((), (), (), ())
    assert len(strats) == len(set(strats))
    # both axes on one factor, in both orders
    assert ((), (0, 1), (), ()) in strats and ((), (1, 0), (), ()) in strats
    for s in strats:
        for f, axes in zip(rule.factors, s):
            assert f.size % G.group_size(axes) == 0
    # batch = 4 cannot take both axes (8 shards)
    assert ((0, 1), (), (), ()) not in strats


def test_elementwise_never_splits_a_broadcast_dim():
    rule = rule_for(OpInfo("tosa.add", (t(8, 16), t(1, 16)), (t(8, 16),)))
    for s in rule.strategies(G):
        assert rule.operand_sharding(G, s, 1).dim_axes(0) == ()
        assert rule.operand_sharding(G, s, 0) == rule.result_sharding(G, s)
    assert any(s[0] for s in rule.strategies(G))  # the result's dim 0 can still be split


def test_mul_shift_operand_is_never_sharded():
    rule = rule_for(OpInfo("tosa.mul", (t(8, 16), t(8, 16), TensorInfo((1,), "i8", 1)), (t(8, 16),)))
    assert rule.operands[2] is None


def test_ops_without_rules():
    conv = OpInfo("tosa.conv2d", (t(1, 8, 8, 4), t(4, 3, 3, 4), t(4), t(1), t(1)), (t(1, 8, 8, 4),))
    assert rule_for(conv) is None
    # a reshape whose sizes do not line up is refused, not guessed
    assert rule_for(OpInfo("tosa.reshape", (t(8, 16), None), (t(100),))) is None


def test_reshape_keeps_the_major_dim_of_each_merged_run():
    rule = rule_for(OpInfo("tosa.reshape", (t(4, 128, 1024), None), (t(1, 512, 1024),)))
    assert [f.size for f in rule.factors] == [4, 1024]
    assert rule.operands[0] == (0, None, 1) and rule.results[0] == (None, 0, 1)


def test_infer_strategy_reads_operand_layouts():
    rule = matmul_rule()
    a = Sharding("g", ((0,), (), (1,)))
    b = Sharding("g", ((0,), (1,)))
    assert rule.infer_strategy(G, [a, b, None, None], None) == ((0,), (), (), (1,))
