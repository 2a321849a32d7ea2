"""Models of the doctors app (filled in by its issue)."""
