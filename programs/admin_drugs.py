"""Wagtail admin of this feature."""
