"""Cost model v1: cluster description, collective formulas, resharding and
compute costs.  All costs are in seconds (floats); the problem builder turns
them into integer picoseconds for the solver."""

from autoshard.cost.cluster import Cluster, load_cluster  # noqa: F401
from autoshard.cost.model import CostModel  # noqa: F401
