"""The numpy TreeSHAP gives XGBoost's pred_contribs values, categorical splits and empty cells included."""

from __future__ import annotations

import numpy as np
import pytest
import xgboost as xgb

from leadscore.modeling.explain.tree_shap import CHUNK_ROWS, TreeExplainer
from leadscore.modeling.won_lost.outcome_model import OutcomeModel
from leadscore.modeling.won_lost.train import Candidate, train_outcome
from tests.crm.conftest import FAST_SMOTE

_PARAMS = {"objective": "binary:logistic", "eval_metric": "logloss", "tree_method": "hist", "min_child_weight": 1}
# max_cat_to_onehot 4: job and month (12 levels) get partition splits, contact and marital one-vs-rest.
DEPTH4 = (Candidate("depth4", "native", {**_PARAMS, "max_depth": 4, "eta": 0.3, "max_cat_to_onehot": 4}, 30),)


@pytest.mark.parametrize("candidates", [DEPTH4, FAST_SMOTE], ids=["native-categorical", "onehot"])
def test_same_values_as_pred_contribs(bank, candidates):
    model = train_outcome(bank, "y", exclude=["duration"], candidates=candidates).model
    codes = model.schema.codes(model.schema.parse(bank).matrix)
    assert np.isnan(codes).any()  # empty cells ("unknown") take the default way
    data = model.encoding.encode(codes, model.schema)
    explainer = TreeExplainer.build(model.booster, data[:64])
    assert explainer is not None
    reference = model.booster.predict(model.encoding.dmatrix(codes, model.schema), pred_contribs=True)
    np.testing.assert_allclose(explainer.contributions(data), reference, atol=2e-5)
    # the model's list path (numpy) and its one-lead path (pred_contribs) agree
    listed = model.contributions(codes)
    np.testing.assert_allclose(listed[:5], np.vstack([model.contributions(codes[i:i + 1]) for i in range(5)]),
                               atol=2e-5)


def test_same_values_across_chunks_with_empty_cells_and_unseen_categories(bank):
    """More rows than one chunk, an empty value in every column (each split's default way), and category
    codes no split has seen: still XGBoost's values."""
    model = train_outcome(bank, "y", exclude=["duration"], candidates=DEPTH4).model
    data = model.encoding.encode(model.schema.codes(model.schema.parse(bank).matrix), model.schema)
    data = np.vstack([data, data, data])[: 2 * CHUNK_ROWS + 123].astype(np.float32)
    rng = np.random.default_rng(3)
    data[rng.random(data.shape) < 0.15] = np.nan
    categorical = [i for i, kind in enumerate(model.booster.feature_types) if kind == "c"]
    assert categorical
    data[rng.random(len(data)) < 0.05, categorical[0]] = 250  # a code no split names
    explainer = TreeExplainer.build(model.booster, data[:64])
    assert explainer is not None
    dmatrix = xgb.DMatrix(data, feature_names=model.booster.feature_names,
                          feature_types=model.booster.feature_types, enable_categorical=True)
    np.testing.assert_allclose(explainer.contributions(data), model.booster.predict(dmatrix, pred_contribs=True),
                               atol=2e-5)


def test_a_model_loaded_from_its_files_still_explains_lists_with_numpy(bank):
    model = train_outcome(bank, "y", exclude=["duration"], candidates=DEPTH4).model
    loaded = OutcomeModel.from_files(model.to_files())  # the booster has lost its training parameters
    data = loaded.encoding.encode(loaded.schema.codes(loaded.schema.parse(bank.head(64)).matrix), loaded.schema)
    assert TreeExplainer.build(loaded.booster, data) is not None


def test_deep_trees_are_left_to_pred_contribs(bank):
    deep = (Candidate("depth6", "native", {**_PARAMS, "max_depth": 6, "eta": 0.3}, 5),)
    model = train_outcome(bank, "y", exclude=["duration"], candidates=deep).model
    data = model.encoding.encode(model.schema.codes(model.schema.parse(bank.head(64)).matrix), model.schema)
    assert TreeExplainer.build(model.booster, data) is None
