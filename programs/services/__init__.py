"""Changes: service reports and verification (reports.py), drug purchases and sales (drugs.py)."""
