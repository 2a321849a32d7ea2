"""Public-health service models (issue: services)."""
