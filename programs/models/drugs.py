"""Essential-drug models (issue: drugs)."""
