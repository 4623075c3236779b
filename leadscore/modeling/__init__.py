"""Training and checking models: the built-in model and outcome models, calibration, tiers, the report, explanations."""
