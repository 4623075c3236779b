"""Exact path-dependent TreeSHAP for a whole list of leads at once, in numpy.

XGBoost's ``pred_contribs`` walks every tree for every lead and, inside each
tree, runs the TreeSHAP recursion. The same values come out of a closed form
that vectorises over leads:

For one tree and one leaf ``l`` with value ``v``, let ``F`` be the distinct
features on its path, ``p_k`` the product of the cover fractions of the
path's splits on feature ``k`` and ``o_k(x)`` whether lead ``x`` follows all
of them (1) or not (0). Path-dependent TreeSHAP's value of a coalition ``S``
is then ``v * prod_{k in S} o_k * prod_{k not in S} p_k`` (summed over leaves),
a product game whose Shapley values depend on ``x`` only through the bits
``o`` (``_shapley_table``: one row per pattern of bits).

The bits of every leaf under one node are themselves functions of a few bits
of the lead: which way it goes at each split under that node, and, per
feature split above it, whether it follows those splits. So the leaves are
tabled together in groups, one per subtree of at most ``MAX_BITS`` such bits
(a depth-4 tree: its root's two subtrees, 8 bits each): the group's table
holds, for each of the ``2^bits`` patterns, the sum of its leaves'
contributions per feature, computed once per model. Explaining a list is then,
per tree, one comparison per split, and per group a few bit operations to find
each lead's pattern and one table lookup per feature; the rows are taken in
chunks that stay in the processor's cache. The base value is
``sum_l v * prod_k p_k`` plus the booster's base margin.

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
#: Most bits in one group's pattern: a table of 2^8 rows per feature, and a pattern in one byte.
MAX_BITS = 8
#: Rows explained at a time: the chunk's decisions, patterns and sums stay in the processor's cache.
CHUNK_ROWS = 4096

_Split = tuple[int, bool]  # (node, goes left)


@dataclass(frozen=True)
class _Group:
    """The leaves under one node, tabled together by the bits that decide them."""

    #: Bit i < len(prefix): whether the lead follows every split above the node on one feature.
    prefix: tuple[tuple[_Split, ...], ...]
    #: Bit len(prefix) + j: whether the lead goes left at the j-th split under the node.
    nodes: tuple[int, ...]
    #: The features the group's leaves split on, and (features, 2^bits) their contributions per pattern.
    features: tuple[int, ...]
    table: np.ndarray


@dataclass(frozen=True)
class _Tree:
    feature: np.ndarray
    threshold: np.ndarray
    default_left: np.ndarray
    #: node -> categories that go right (categorical splits only).
    categories: dict[int, np.ndarray]
    groups: tuple[_Group, ...]
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


class _TreeParser:
    """One tree of XGBoost's JSON as groups of leaf tables, and its expected value."""

    def __init__(self, tree: dict) -> None:
        self.left, self.right = tree["left_children"], tree["right_children"]
        self.cover = tree["sum_hessian"]
        self.values = tree["split_conditions"]
        self.split_feature = tree["split_indices"]
        self.expected = 0.0

    def _internal(self, node: int) -> list[int]:
        """The splits under ``node`` (itself included), parents first."""
        found, stack = [], [node]
        while stack:
            current = stack.pop()
            if self.left[current] != -1:
                found.append(current)
                stack += [self.right[current], self.left[current]]
        return found

    @staticmethod
    def _by_feature(path: list[_Split], feature_of: list[int]) -> dict[int, list[_Split]]:
        grouped: dict[int, list[_Split]] = {}
        for node, went_left in path:
            grouped.setdefault(feature_of[node], []).append((node, went_left))
        return grouped

    def groups(self, node: int = 0, path: list[_Split] | None = None) -> list[_Group]:
        """The groups of the subtree under ``node``, reached by ``path``: one when its bits fit, else its children's."""
        path = path or []
        prefix = self._by_feature(path, self.split_feature)
        internal = self._internal(node)
        if self.left[node] != -1 and len(prefix) + len(internal) > MAX_BITS:
            return [*self.groups(self.left[node], [*path, (node, True)]),
                    *self.groups(self.right[node], [*path, (node, False)])]
        return self._group(node, path, prefix, internal)

    def _group(self, node: int, path: list[_Split], prefix: dict[int, list[_Split]],
               internal: list[int]) -> list[_Group]:
        n_prefix, n_bits = len(prefix), len(prefix) + len(internal)
        pattern_bits = ((np.arange(1 << n_bits)[:, None] >> np.arange(n_bits)) & 1).astype(bool)
        bit_of_feature = {feature: i for i, feature in enumerate(prefix)}
        bit_of_node = {split: n_prefix + j for j, split in enumerate(internal)}
        features = [*prefix, *dict.fromkeys(self.split_feature[split] for split in internal)]
        column = {feature: i for i, feature in enumerate(features)}
        table = np.zeros((len(features), 1 << n_bits))
        stack: list[tuple[int, list[_Split]]] = [(node, [])]
        while stack:
            current, below = stack.pop()
            if self.left[current] != -1:
                stack.append((self.left[current], [*below, (current, True)]))
                stack.append((self.right[current], [*below, (current, False)]))
                continue
            full = self._by_feature([*path, *below], self.split_feature)
            leaf_features = list(full)
            fractions = [math.prod(self.cover[self.left[parent] if went_left else self.right[parent]]
                                   / self.cover[parent] for parent, went_left in full[feature])
                         for feature in leaf_features]
            self.expected += self.values[current] * math.prod(fractions)
            if not leaf_features:
                continue
            leaf_pattern = np.zeros(1 << n_bits, dtype=np.int64)
            below_by_feature = self._by_feature(below, self.split_feature)
            for k, feature in enumerate(leaf_features):
                follows = (pattern_bits[:, bit_of_feature[feature]].copy() if feature in bit_of_feature
                           else np.ones(1 << n_bits, dtype=bool))
                for split, went_left in below_by_feature.get(feature, []):
                    bit = pattern_bits[:, bit_of_node[split]]
                    follows &= bit if went_left else ~bit
                leaf_pattern |= follows.astype(np.int64) << k
            leaf_table = _shapley_table(self.values[current], fractions)
            for k, feature in enumerate(leaf_features):
                table[column[feature]] += leaf_table[leaf_pattern, k]
        if not features:
            return []
        return [_Group(tuple(tuple(splits) for splits in prefix.values()), tuple(internal), tuple(features),
                       table)]


def _parse_tree(tree: dict) -> tuple[_Tree, float]:
    """A tree's arrays and grouped leaf tables, and its expected value."""
    parser = _TreeParser(tree)
    groups = parser.groups()
    categories: dict[int, np.ndarray] = {}
    for node, start, size in zip(tree.get("categories_nodes", []), tree.get("categories_segments", []),
                                 tree.get("categories_sizes", []), strict=True):
        categories[node] = np.asarray(tree["categories"][start:start + size], dtype=np.float64)
    internal = np.flatnonzero(np.asarray(parser.left) != -1)
    parsed = _Tree(np.asarray(tree["split_indices"]), np.asarray(parser.values, dtype=np.float32),
                   np.asarray(tree["default_left"], dtype=bool), categories, tuple(groups), internal)
    return parsed, parser.expected


@dataclass(frozen=True)
class TreeExplainer:
    """A binary booster's trees as grouped leaf tables, for exact SHAP over many rows at once."""

    trees: tuple[_Tree, ...]
    bias: float
    n_features: int
    #: Per categorical feature, one more than its largest category in any split (codes above go left).
    category_limits: dict[int, int]

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
        limits: dict[int, int] = {}
        for tree in forest["trees"]:
            parsed, expected = _parse_tree(tree)
            trees.append(parsed)
            bias += expected
            for node, categories in parsed.categories.items():
                feature = int(parsed.feature[node])
                limits[feature] = max(limits.get(feature, 0), int(categories.max(initial=-1)) + 1)
        base_score = float(np.asarray(json.loads(model["learner_model_param"]["base_score"])).ravel()[0])
        bias += math.log(base_score / (1 - base_score))
        explainer = cls(tuple(trees), bias, booster.num_features(), limits)
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
        lookups = self._category_lookups()
        for start in range(0, n, CHUNK_ROWS):
            self._explain_chunk(columns[:, start:start + CHUNK_ROWS], out[:, start:start + CHUNK_ROWS], lookups)
        out[-1] = self.bias
        return out.T

    def _category_lookups(self) -> dict[tuple[int, int], np.ndarray]:
        """Per (tree, categorical split): whether each category code goes left, then an empty value, then any other."""
        lookups = {}
        for t, tree in enumerate(self.trees):
            for node, categories in tree.categories.items():
                limit = self.category_limits[int(tree.feature[node])]
                goes_left = np.ones(limit + 2, dtype=bool)
                goes_left[categories.astype(np.int64)] = False
                goes_left[limit] = tree.default_left[node]
                lookups[t, node] = goes_left
        return lookups

    def _explain_chunk(self, columns: np.ndarray, out: np.ndarray,
                       lookups: dict[tuple[int, int], np.ndarray]) -> None:
        """Add the contributions of one chunk of rows (columns: features x rows) into ``out``."""
        size = columns.shape[1]
        missing = np.isnan(columns)
        has_missing = missing.any(axis=1)
        codes = {}
        for feature, limit in self.category_limits.items():
            x = columns[feature]
            valid = (x >= 0) & (x < limit) & (x == np.floor(x))
            code = np.where(valid, x, limit + 1).astype(np.intp)
            code[missing[feature]] = limit
            codes[feature] = code
        pattern = np.empty(size, dtype=np.uint8)
        shifted = np.empty(size, dtype=np.uint8)
        for t, tree in enumerate(self.trees):
            goes_left: dict[int, np.ndarray] = {}
            for node in tree.internal:
                j = int(tree.feature[node])
                if node in tree.categories:
                    goes_left[node] = lookups[t, node][codes[j]]
                else:
                    decision = columns[j] < tree.threshold[node]
                    if has_missing[j] and tree.default_left[node]:
                        decision |= missing[j]
                    goes_left[node] = decision
            for group in tree.groups:
                pattern[:] = 0
                for bit, splits in enumerate(group.prefix):
                    follows = np.ones(size, dtype=bool)
                    for node, went_left in splits:
                        follows &= goes_left[node] if went_left else ~goes_left[node]
                    np.left_shift(follows.view(np.uint8), bit, out=shifted)
                    pattern |= shifted
                for bit, node in enumerate(group.nodes, start=len(group.prefix)):
                    np.left_shift(goes_left[node].view(np.uint8), bit, out=shifted)
                    pattern |= shifted
                for feature, row in zip(group.features, group.table, strict=True):
                    out[feature] += row.take(pattern)


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
