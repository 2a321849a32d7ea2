"""Import-export resources of the programs app (one module per feature)."""

from .resources_services import *  # noqa: F401,F403
