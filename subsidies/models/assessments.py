"""Assessment models (issue: scoring clinics)."""
