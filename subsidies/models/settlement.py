"""Subsidy policy and settlement models (issue: settlement)."""

__all__ = []
