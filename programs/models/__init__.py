"""Models of the two national programs: public-health service reports (reports.py) with their service records
and verification samples (records.py, sampling.py), and essential drugs (drugs.py)."""

from programs.models.complaints import *  # noqa: F403
from programs.models.drugs import *  # noqa: F403
from programs.models.periods import *  # noqa: F403
from programs.models.records import *  # noqa: F403
from programs.models.reports import *  # noqa: F403
from programs.models.sampling import *  # noqa: F403
