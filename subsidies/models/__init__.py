"""Models of clinic assessment (assessments.py) and subsidy settlement (settlement.py)."""

from .assessments import *  # noqa: F401,F403
from .settlement import *  # noqa: F401,F403
