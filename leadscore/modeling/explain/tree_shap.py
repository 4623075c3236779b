"""Exact path-dependent TreeSHAP for a whole list of leads at once, in numpy.

XGBoost's ``pred_contribs`` walks every tree for every lead and, inside each
tree, runs the TreeSHAP recursion: for 45,211 leads and 136 depth-4 trees it
takes about 14 s of CPU (benchmarks/bench_crm.py). The same values come out
of a closed form that vectorises over leads:

For one tree and one leaf ``l`` with value ``v``, let ``F`` be the distinct
features on its path, ``p_k`` the product of the cover fractions of the
path's splits on feature ``k`` and ``o_k(x)`` whether lead ``x`` follows all
of them (1) or not (0). Path-dependent TreeSHAP's value of a coalition ``S``
is then ``v * prod_{k in S} o_k * prod_{k not in S} p_k`` (summed over leaves),
a product game whose Shapley values depend on ``x`` only through the bits
``o``. So each leaf gets a table of ``2^|F|`` rows (one per pattern of bits)
computed once per model, and explaining a list is, per leaf, a few
vectorised comparisons to find each lead's pattern and one table lookup.
The base value is ``sum_l v * prod_k p_k`` plus the booster's base margin.

A split sends ``x`` left when ``x < threshold`` (float32, as XGBoost), a
category right when it is in the split's set, and an empty value the node's
default way. ``TreeExplainer.build`` checks the result against
``pred_contribs`` on probe rows and returns None when they disagree; callers
then use ``pred_contribs``.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass

import numpy as np
import xgboost as xgb

log = logging.getLogger(__name__)

#: Deeper trees use pred_contribs: the tables grow as 2^depth per leaf, and building them for the
#: depth-6 seed pipeline (300 trees) takes longer (15 s) than pred_contribs on a list.
MAX_DEPTH = 4


@dataclass(frozen=True)
class _Leaf:
    #: (node, goes_left) pairs grouped by feature: per feature, the path's splits on it.
    splits: tuple[tuple[tuple[int, bool], ...], ...]
    features: np.ndarray
    #: (2^m, m): contribution of each feature for each pattern of bits.
    table: np.ndarray


@dataclass(frozen=True)
class _Tree:
    feature: np.ndarray
    threshold: np.ndarray
    default_left: np.ndarray
    #: node -> categories that go right (categorical splits only).
    categories: dict[int, np.ndarray]
    leaves: tuple[_Leaf, ...]
    internal: np.ndarray


def _shapley_table(value: float, p: list[float]) -> np.ndarray:
    """Shapley values of the product game v * prod_{S} o * prod_{not S} p, for every pattern of o.

    For feature k: v * (o_k - p_k) * sum_s w(s) * e_s, where e_s, the sum over the other
    features' subsets of size s of prod_S o * prod_rest p, is the coefficient of t^s in
    prod_{i != k} (o_i t + p_i). The polynomials of all 2^m patterns are multiplied out at
    once (one array row per pattern): a model's thousands of leaves are tabled in well under
    a second, where a loop per pattern took seconds.
    """
    m = len(p)
    weights = np.array([math.factorial(s) * math.factorial(m - s - 1) / math.factorial(m) for s in range(m)])
    bits = ((np.arange(1 << m)[:, None] >> np.arange(m)) & 1).astype(np.float64)  # (2^m, m): o per pattern
    table = np.empty((1 << m, m))
    for k in range(m):
        poly = np.zeros((1 << m, m))  # per pattern, coefficients of t^0..t^(m-1)
        poly[:, 0] = 1.0
        for i in range(m):
            if i != k:
                shifted = np.zeros_like(poly)
                shifted[:, 1:] = poly[:, :-1]
                poly = poly * p[i] + shifted * bits[:, i:i + 1]
        table[:, k] = value * (bits[:, k] - p[k]) * (poly @ weights)
    return table


def _parse_tree(tree: dict) -> tuple[_Tree, float]:
    """A tree's arrays and leaf tables, and its expected value."""
    left, right = tree["left_children"], tree["right_children"]
    cover = tree["sum_hessian"]
    values = tree["split_conditions"]
    categories: dict[int, np.ndarray] = {}
    for node, start, size in zip(tree.get("categories_nodes", []), tree.get("categories_segments", []),
                                 tree.get("categories_sizes", []), strict=True):
        categories[node] = np.asarray(tree["categories"][start:start + size], dtype=np.float64)
    leaves: list[_Leaf] = []
    expected = 0.0
    stack: list[tuple[int, list[tuple[int, bool]]]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        if left[node] == -1:
            by_feature: dict[int, list[tuple[int, bool]]] = {}
            fractions: dict[int, float] = {}
            for parent, went_left in path:
                feature = tree["split_indices"][parent]
                by_feature.setdefault(feature, []).append((parent, went_left))
                child = left[parent] if went_left else right[parent]
                fractions[feature] = fractions.get(feature, 1.0) * cover[child] / cover[parent]
            features = list(by_feature)
            p = [fractions[f] for f in features]
            expected += values[node] * math.prod(p)
            if features:
                leaves.append(_Leaf(tuple(tuple(by_feature[f]) for f in features), np.asarray(features),
                                    _shapley_table(values[node], p)))
            continue
        stack.append((left[node], [*path, (node, True)]))
        stack.append((right[node], [*path, (node, False)]))
    internal = np.flatnonzero(np.asarray(left) != -1)
    parsed = _Tree(np.asarray(tree["split_indices"]), np.asarray(values, dtype=np.float32),
                   np.asarray(tree["default_left"], dtype=bool), categories, tuple(leaves), internal)
    return parsed, expected


@dataclass(frozen=True)
class TreeExplainer:
    """A binary booster's trees as leaf tables, for exact SHAP over many rows at once."""

    trees: tuple[_Tree, ...]
    bias: float
    n_features: int

    @classmethod
    def build(cls, booster: xgb.Booster, probe: np.ndarray) -> TreeExplainer | None:
        """The explainer of a binary:logistic booster, or None when it cannot agree with pred_contribs."""
        model = json.loads(booster.save_raw("json"))["learner"]
        forest = model["gradient_booster"]["model"]
        # Measured on the trees themselves: a booster loaded from a file has lost its training
        # parameters, and its config then reports XGBoost's default depth (6), not the real one.
        depth = max((_depth(tree) for tree in forest["trees"]), default=0)
        if depth > MAX_DEPTH or model["learner_model_param"]["num_class"] not in ("0", "1"):
            return None
        trees, bias = [], 0.0
        for tree in forest["trees"]:
            parsed, expected = _parse_tree(tree)
            trees.append(parsed)
            bias += expected
        base_score = float(np.asarray(json.loads(model["learner_model_param"]["base_score"])).ravel()[0])
        bias += math.log(base_score / (1 - base_score))
        explainer = cls(tuple(trees), bias, booster.num_features())
        return explainer if explainer._agrees_with(booster, probe) else None

    def _agrees_with(self, booster: xgb.Booster, probe: np.ndarray) -> bool:
        reference = booster.predict(_probe_dmatrix(booster, probe), pred_contribs=True)
        agrees = bool(np.allclose(self.contributions(probe), reference, atol=1e-4))
        if not agrees:
            log.warning("numpy TreeSHAP disagrees with pred_contribs; using pred_contribs")
        return agrees

    def contributions(self, data: np.ndarray) -> np.ndarray:
        """SHAP values (n, features + 1) of float32 booster inputs; the last column is the base value."""
        n = len(data)
        out = np.zeros((self.n_features + 1, n))
        columns = np.ascontiguousarray(np.asarray(data, dtype=np.float32).T)
        missing = np.isnan(columns)
        for tree in self.trees:
            goes_left: dict[int, np.ndarray] = {}
            for node in tree.internal:
                j = tree.feature[node]
                x = columns[j]
                is_category = node in tree.categories
                decision = ~np.isin(x, tree.categories[node]) if is_category else x < tree.threshold[node]
                goes_left[node] = np.where(missing[j], tree.default_left[node], decision)
            for leaf in tree.leaves:
                pattern = np.zeros(n, dtype=np.int64)
                for k, splits in enumerate(leaf.splits):
                    follows = np.ones(n, dtype=bool)
                    for node, went_left in splits:
                        follows &= goes_left[node] if went_left else ~goes_left[node]
                    pattern |= follows.astype(np.int64) << k
                out[leaf.features] += leaf.table[pattern].T
        out[-1] = self.bias
        return out.T


def _depth(tree: dict) -> int:
    """The number of splits on the longest path from the root to a leaf of one tree in XGBoost's JSON."""
    left, right = tree["left_children"], tree["right_children"]
    deepest, stack = 0, [(0, 0)]
    while stack:
        node, depth = stack.pop()
        if left[node] == -1:
            deepest = max(deepest, depth)
        else:
            stack += [(left[node], depth + 1), (right[node], depth + 1)]
    return deepest


def _probe_dmatrix(booster: xgb.Booster, probe: np.ndarray) -> xgb.DMatrix:
    return xgb.DMatrix(probe, feature_names=booster.feature_names, feature_types=booster.feature_types,
                       enable_categorical=True)
