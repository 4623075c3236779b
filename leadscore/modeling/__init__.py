"""Training an outcome model on a CRM export: candidates, calibration, tiers, the report, explanations."""
