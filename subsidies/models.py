"""Models of the subsidies app (filled in by its issue)."""
