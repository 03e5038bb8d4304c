"""Grid and Sharding: small immutable values, validated in `model`, converted
to and from IR only in `autoshard.sharding.ir_convert`."""

from autoshard.sharding.model import (  # noqa: F401
    REDUCTIONS,
    Grid,
    Sharding,
    ShardingError,
)
