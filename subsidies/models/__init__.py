"""Models of clinic assessment (assessments.py) and subsidy settlement (settlement.py)."""

from subsidies.models.assessments import *  # noqa: F403
from subsidies.models.settlement import *  # noqa: F403
