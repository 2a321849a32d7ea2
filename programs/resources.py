"""Import-export resources of the programs app (one module per feature)."""

from programs import resources_drugs  # noqa: F401
from programs.resources_services import *  # noqa: F403
