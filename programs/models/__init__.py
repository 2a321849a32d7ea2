"""Models of the two national programs: public-health services (services.py) and essential drugs (drugs.py)."""

from .drugs import *  # noqa: F401,F403
from .periods import *  # noqa: F401,F403
from .services import *  # noqa: F401,F403
