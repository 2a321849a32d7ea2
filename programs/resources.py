"""Import-export resources of the programs app (one module per feature)."""

from . import resources_drugs  # noqa: F401
from .resources_services import *  # noqa: F401,F403
