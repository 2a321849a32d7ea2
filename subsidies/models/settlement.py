"""Subsidy policy and settlement models (issue: settlement)."""
