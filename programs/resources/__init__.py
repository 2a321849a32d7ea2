"""Import-export resources of the programs app (one module per feature)."""

from programs.resources import drugs as resources_drugs  # noqa: F401
from programs.resources import records as resources_records  # noqa: F401
from programs.resources import sampling as resources_sampling  # noqa: F401
from programs.resources.reports import *  # noqa: F403
