"""Scoped reads: assessments (assessments.py), settlement (settlement.py)."""
