"""Scoring leads with a trained model: probabilities, tiers, reasons, what-if and triage helpers."""
