"""Scoped reads: services (reports.py), drugs (drugs.py). Other apps import from the submodules."""
