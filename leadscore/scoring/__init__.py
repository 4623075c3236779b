"""Scoring leads with a trained model: probabilities, tiers and reasons."""
