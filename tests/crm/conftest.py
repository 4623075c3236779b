"""Shared pieces of the outcome-model tests: the bank-marketing sample and small, fast candidates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from leadscore.data.csvio import read_table
from leadscore.modeling.won_lost.train import Candidate

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "bank-marketing-sample.csv"

_PARAMS = {"objective": "binary:logistic", "eval_metric": "logloss", "tree_method": "hist",
           "max_cat_to_onehot": 4, "min_child_weight": 3}
#: Few trees, so every training in the tests takes a second or two.
FAST = (Candidate("small-native", "native", {**_PARAMS, "max_depth": 2, "eta": 0.3}, 40),)
FAST_SMOTE = (Candidate("small-smote", "onehot", {**_PARAMS, "max_depth": 3, "eta": 0.3}, 30, smote=True,
                        fixed_rounds=True),)


@pytest.fixture(scope="session")
def bank() -> pd.DataFrame:
    """The committed 3,000-row sample of bank-marketing, read as the product reads files."""
    return read_table(SAMPLE)


def crm_frame(n: int = 600, seed: int = 0, positives: float = 0.3) -> pd.DataFrame:
    """A small CRM-like export as text: numbers, a flag, a category with placeholders, an ID, an outcome."""
    rng = np.random.default_rng(seed)
    score = rng.normal(size=n)
    won = rng.random(n) < 1 / (1 + np.exp(-(score * 1.5 + np.log(positives / (1 - positives)))))
    source = rng.choice(["Google", "Referral", "Olark Chat", "Select"], n, p=[0.4, 0.3, 0.2, 0.1])
    return pd.DataFrame({
        "Lead Number": [str(100000 + i) for i in range(n)],
        "Visits": np.where(rng.random(n) < 0.1, "", np.round(np.exp(score + 1)).astype(int).astype(str)),
        "Do Not Email": rng.choice(["Yes", "No"], n),
        "Lead Source": source,
        "Converted": np.where(won, "1", "0"),
    }).astype("string")
