"""autoshard's passes; importing this package registers them all."""

from autoshard.transforms import autoshard_pass  # noqa: F401
from autoshard.transforms.base import PASSES, Pass, PipelineState  # noqa: F401
from autoshard.transforms import partition  # noqa: F401,E402
from autoshard.transforms import verify  # noqa: F401,E402
from autoshard.transforms import to_mpi  # noqa: F401,E402
