"""Changes: assessments (assessments.py), policy and settlement runs (settlement.py)."""
