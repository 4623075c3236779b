"""The figures the seed (shared/seed/lead-scoring-system.md) reports, to show beside ours.

The seed measured them on its own synthetic data; ours are measured on the
held-out part of the data each model was trained on. They are a reference
point, not a target the two numbers must hit.
"""

from __future__ import annotations

#: "Overall Metrics" table.
OVERALL: dict[str, float] = {
    "accuracy": 0.85,
    "macro_recall": 0.84,
    "macro_precision": 0.81,
    "weighted_f1": 0.85,
}

#: "Per-Class Performance": precision, recall and F1 per tier.
PER_CLASS: dict[str, dict[str, float]] = {
    "Low": {"precision": 0.84, "recall": 0.84, "f1-score": 0.84},
    "Medium": {"precision": 0.88, "recall": 0.86, "f1-score": 0.87},
    "High": {"precision": 0.72, "recall": 0.82, "f1-score": 0.77},
}

#: "Feature Importance (Top 5)", as shares of the total.
TOP_FEATURES: dict[str, float] = {
    "credit_score": 0.182,
    "income": 0.165,
    "website_visits": 0.124,
    "inquiry_submitted": 0.098,
    "time_on_site_minutes": 0.087,
}

#: "Algorithm Selection": the seed's accuracy for each model it tried.
BASELINE_ACCURACY: dict[str, str] = {
    "Logistic regression": "60–65%",
    "Random forest": "68% (90% with only 37% High recall in its first version)",
    "XGBoost with SMOTE": "85%",
}
