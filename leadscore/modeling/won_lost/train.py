"""Training an outcome model on a CRM export: from a file as the CRM wrote it to a scored, reported model.

The flow, top to bottom:

1. review the columns (``fields/infer.py``) and read the outcome: positive
   values named or inferred; rows with an empty outcome are open leads, counted
   and not trained on;
2. refuse fewer than ``MIN_PER_CLASS`` converted or not converted leads, warn below ``WARN_PER_CLASS``;
3. split: the most recent ``TEST_SHARE`` of leads by the order column (given,
   a date, or an increasing ID) is the test part; without one, a stratified
   random split, and the report says which;
4. the schema (levels, ranges) from the training part, then the leakage
   screen (``leakage.py``: fields that give the outcome away alone, or that
   show a sign of being filled in while a lead is worked and sway a first
   fit's decisions): flagged fields are left out unless kept;
5. candidates compared by out-of-fold log loss on the training part (after
   Platt calibration of each, which is fair to SMOTE, whose raw
   probabilities are pushed up); the winner is refitted on the whole training
   part and calibrated on its out-of-fold margins. A large file (more than
   ``COMPARE_ROWS`` training leads) is compared on a random ``COMPARE_ROWS``
   of them; the winner is then fitted on up to ``FIT_ROWS`` others, stopped
   early and calibrated on ``CALIBRATION_ROWS`` more it did not see, and the
   report says so (``sampling``): 2,000,000 rows took 15 minutes and 3.8 GB
   when every candidate was compared on every row;
6. evaluation on the test part: ROC AUC, log loss, calibration table, base
   rate, gain chart, default tier bands and each tier's conversion rate,
   field importance; each test lead's chance and outcome are kept
   (``test_scores``) so bands set later can be measured on the same leads.

The model shipped is the one evaluated (trained on the training part), so the
report's figures are the shipped model's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb
from imblearn.over_sampling import SMOTE
from scipy.optimize import minimize
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from leadscore.fields.field import Schema
from leadscore.fields.headers import header_key
from leadscore.fields.infer import (
    Review,
    build_schema,
    check_changeable,
    check_fields,
    default_changeable,
    infer_columns,
    infer_negative,
    infer_positive,
    mark_open,
    missing_mask,
    order_key,
    outcome_counts,
    outcome_labels,
)
from leadscore.fields.names import name_clash
from leadscore.fields.rejections import SchemaError
from leadscore.modeling.drift_reference import drift_reference
from leadscore.modeling.explain.tree_shap import TreeExplainer
from leadscore.modeling.target import sigmoid
from leadscore.modeling.tiers import Bands, tier_report
from leadscore.modeling.won_lost.encoding import Encoding, EncodingKind
from leadscore.modeling.won_lost.leakage import (
    LEAK_AUC,
    NEWEST_SHARE,
    FieldPower,
    decision_shares,
    judge,
    screen,
    work_signs,
)
from leadscore.modeling.won_lost.outcome_model import PROBE_ROWS, Outcome, OutcomeModel
from leadscore.modeling.won_lost.report import WonLostReport
from leadscore.modeling.won_lost.training_rows import blank_impossible_cells, period_of, rows_with_fields

log = logging.getLogger(__name__)

MIN_PER_CLASS = 40
WARN_PER_CLASS = 200
TEST_SHARE = 0.2
FOLDS = 3
EARLY_STOPPING = 30
SEED = 42
#: Threads XGBoost trains with (a 2-core machine).
TRAINING_THREADS = 1
#: Decimals of each test lead's chance kept in the report (``test_scores``), enough to recut tier bands.
SCORE_DECIMALS = 5
#: Above this many training leads, candidates are compared on a random sample of this many (large files).
COMPARE_ROWS = 50_000
#: ... and the chosen one is fitted on at most this many other training leads (SMOTE: SMOTE_FIT_ROWS) ...
FIT_ROWS = 300_000
SMOTE_FIT_ROWS = 100_000
#: ... stopped early and calibrated on this many more that it does not fit on.
CALIBRATION_ROWS = 50_000
#: The leakage screen's stand-alone AUCs and fill-rate signs are measured on at most this many leads.
SCREEN_ROWS = 200_000
#: The first fit whose decisions measure each field's share (the leakage screen's rule 2).
FIRST_FIT = ("first-fit", {"objective": "binary:logistic", "tree_method": "hist", "max_depth": 4, "eta": 0.1,
                           "subsample": 0.8, "min_child_weight": 3, "max_cat_to_onehot": 4,
                           "max_cat_threshold": 32}, 150)
FIRST_FIT_ROWS = 30_000
SHARE_ROWS = 5_000

_BASE_PARAMS: dict[str, Any] = {"objective": "binary:logistic", "eval_metric": "logloss", "tree_method": "hist",
                                "subsample": 0.8, "colsample_bytree": 0.8, "min_child_weight": 3,
                                "max_cat_to_onehot": 4, "max_cat_threshold": 32}


@dataclass(frozen=True)
class Candidate:
    """One model to compare: its encoding, XGBoost parameters and rounds."""

    name: str
    encoding: EncodingKind
    params: dict[str, Any]
    #: The most rounds; early stopping on each fold picks fewer (unless ``fixed_rounds``).
    rounds: int
    smote: bool = False
    fixed_rounds: bool = False


CANDIDATES: tuple[Candidate, ...] = (
    Candidate("xgboost-depth2", "native", {**_BASE_PARAMS, "max_depth": 2, "eta": 0.1}, 600),
    Candidate("xgboost-depth4", "native", {**_BASE_PARAMS, "max_depth": 4, "eta": 0.1}, 400),
    # The seed's pipeline: StandardScaler -> SMOTE -> XGBoost with its hyperparameters.
    Candidate("seed-smote", "onehot", {**_BASE_PARAMS, "max_depth": 6, "eta": 0.05, "gamma": 0.1}, 300,
              smote=True, fixed_rounds=True),
)

Progress = Callable[[str, float], object]


class NotEnoughDataError(ValueError):
    """Too few converted or not converted leads to train on."""


@dataclass
class OutcomeTraining:
    """A trained outcome model with its report and the column review it was trained with."""

    model: OutcomeModel
    report: WonLostReport
    review: Review
    warnings: list[str] = field(default_factory=list)


def _quiet(message: str, fraction: float) -> None:
    log.info("%s (%.0f%%)", message, 100 * fraction)


# ---- split ---------------------------------------------------------------------------------------
def split_rows(frame: pd.DataFrame, y: np.ndarray, review: Review, seed: int = SEED) -> tuple[
        np.ndarray, np.ndarray, str]:
    """Training and test positions, and how the split was made (in words, with the test part's period).

    An order column the manager named that cannot split (too few dates, or newest leads all of one
    outcome) is refused by name; one that was found is replaced by a random split, and the words say why.
    """
    key = order_key(frame, review)
    why_random = "no order column, date or increasing ID found"
    if key is not None and key.notna().mean() >= 0.9:
        order = np.argsort(key.rank(method="first", na_option="top").to_numpy(), kind="stable")
        cut = int(round(len(order) * (1 - TEST_SHARE)))
        train, test = np.sort(order[:cut]), np.sort(order[cut:])
        if len(np.unique(y[test])) == 2 and len(np.unique(y[train])) == 2:
            period = period_of(key, test)
            words = f": leads from {period['from']} to {period['to']}" if period else ""
            return train, test, (f"the most recent {TEST_SHARE:.0%} of leads by '{review.order_column}' "
                                 f"({review.order_source}){words}")
        why_random = f"the most recent leads by '{review.order_column}' are all of one outcome"
        if review.order_source == "given":
            raise SchemaError(f"the order column '{review.order_column}' cannot split the leads: {why_random}; "
                              "name another with --order-by, or none")
        log.warning("%s; splitting at random instead", why_random)
    elif key is not None:
        why_random = f"'{review.order_column}' gives a number or date for only {key.notna().mean():.0%} of the leads"
        if review.order_source == "given":
            raise SchemaError(f"the order column '{review.order_column}' cannot order the leads: {why_random}")
    positions = np.arange(len(y))
    train, test = train_test_split(positions, test_size=TEST_SHARE, stratify=y, random_state=seed)
    return np.sort(train), np.sort(test), f"a stratified random {TEST_SHARE:.0%} of leads ({why_random})"


# ---- candidates ----------------------------------------------------------------------------------
def _fit(candidate: Candidate, codes: np.ndarray, y: np.ndarray, schema: Schema, rounds: int,
         seed: int, nthread: int, held: tuple[np.ndarray, np.ndarray] | None = None
         ) -> tuple[xgb.Booster, Encoding, int]:
    """Fit one candidate; with ``held`` rows, stop early on them. Returns booster, encoding, rounds used."""
    encoding = Encoding.fit(codes, schema, candidate.encoding)
    if candidate.smote:
        data, labels = SMOTE(random_state=seed).fit_resample(encoding.encode(codes, schema), y)
        train = xgb.DMatrix(np.ascontiguousarray(data, dtype=np.float32), labels, nthread=nthread)
    else:
        train = encoding.dmatrix(codes, schema, y, nthread)
    params = {**candidate.params, "seed": seed, "nthread": nthread}
    if held is None or candidate.fixed_rounds:
        return xgb.train(params, train, rounds), encoding, rounds
    valid = encoding.dmatrix(held[0], schema, held[1], nthread)
    booster = xgb.train(params, train, rounds, evals=[(valid, "held")], early_stopping_rounds=EARLY_STOPPING,
                        verbose_eval=False)
    return booster, encoding, booster.best_iteration + 1


def _margins(booster: xgb.Booster, encoding: Encoding, codes: np.ndarray, schema: Schema,
             rounds: int) -> np.ndarray:
    dmatrix = encoding.dmatrix(codes, schema)
    return np.asarray(booster.predict(dmatrix, output_margin=True, iteration_range=(0, rounds)), dtype=np.float64)


def fit_platt(margins: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept minimising the log loss of ``sigmoid(slope * margin + intercept)``."""
    def loss(theta: np.ndarray) -> float:
        z = theta[0] * margins + theta[1]
        return float(np.mean(np.logaddexp(0, z) - y * z))

    def grad(theta: np.ndarray) -> np.ndarray:
        r = sigmoid(theta[0] * margins + theta[1]) - y
        return np.array([np.mean(r * margins), np.mean(r)])

    best = minimize(loss, x0=np.array([1.0, 0.0]), jac=grad, method="L-BFGS-B",
                    bounds=[(1e-3, 99.0), (-99.0, 99.0)])
    return float(best.x[0]), float(best.x[1])


def _compare(candidates: Sequence[Candidate], codes: np.ndarray, y: np.ndarray, schema: Schema,
             seed: int, nthread: int, progress: Progress) -> list[dict[str, Any]]:
    """Out-of-fold margins and log loss of each candidate on the training part."""
    folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
    results = []
    for c_index, candidate in enumerate(candidates):
        started = time.perf_counter()
        oof = np.zeros(len(y))
        used = []
        for f_index, (fit, held) in enumerate(folds):
            progress(f"Trying model {c_index + 1} of {len(candidates)} (check {f_index + 1} of {FOLDS})",
                     0.1 + 0.6 * (c_index * FOLDS + f_index) / (len(candidates) * FOLDS))
            booster, encoding, rounds = _fit(candidate, codes[fit], y[fit], schema, candidate.rounds,
                                             seed, nthread, (codes[held], y[held]))
            oof[held] = _margins(booster, encoding, codes[held], schema, rounds)
            used.append(rounds)
        slope, intercept = fit_platt(oof, y)
        calibrated = sigmoid(slope * oof + intercept)
        results.append({"name": candidate.name, "oof_margins": oof, "rounds": int(np.median(used)),
                        "log_loss": float(log_loss(y, calibrated)),
                        "log_loss_uncalibrated": float(log_loss(y, sigmoid(oof))),
                        "auc": float(roc_auc_score(y, oof)), "mean_p_uncalibrated": float(sigmoid(oof).mean()),
                        "seconds": round(time.perf_counter() - started, 2)})
        log.info("candidate %s: out-of-fold log loss %.4f, AUC %.4f", candidate.name, results[-1]["log_loss"],
                 results[-1]["auc"])
    return results


# ---- the leakage screen ------------------------------------------------------------------------
def _sample(positions: np.ndarray, y: np.ndarray, rows: int, seed: int) -> np.ndarray:
    """A stratified random ``rows`` of ``positions`` (all of them when there are no more), sorted."""
    if len(positions) <= rows:
        return positions
    taken, _ = train_test_split(positions, train_size=rows, stratify=y[positions], random_state=seed)
    return np.sort(taken)


def _rows_of(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``frame.iloc[rows]`` for sorted distinct positions, without copying the frame when they are all of it."""
    return frame if len(rows) == len(frame) else frame.iloc[rows]


def _work_signs(frame: pd.DataFrame, labels: np.ndarray, review: Review, seed: int) -> dict[str, Any]:
    """Each field's signs of being filled in while worked, on (a sample of) every row, open leads too."""
    names = [c.name for c in review.fields()]
    key = order_key(frame, review)
    rows = np.arange(len(frame))
    if len(rows) > SCREEN_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, SCREEN_ROWS, replace=False))
    newest = None
    if key is not None and key.notna().mean() >= 0.9:
        rank = key.rank(method="first", na_option="top").to_numpy()
        newest = (rank > (1 - NEWEST_SHARE) * len(rank))[rows]
    sample = _rows_of(frame, rows)
    filled = {name: ~missing_mask(sample[name]) for name in names}
    return work_signs(names, filled, newest, labels[rows] < 0)


def _first_fit_shares(train_frame: pd.DataFrame, y: np.ndarray, review: Review, seed: int, nthread: int
                      ) -> dict[str, float]:
    """Each field's share of a first fit's decisions (mean |SHAP|), on a sample of the training part."""
    rows = _sample(np.arange(len(y)), y, FIRST_FIT_ROWS, seed)
    taken = _rows_of(train_frame, rows)
    schema = build_schema(taken, review)
    _, y_sample, _, matrix = rows_with_fields(schema, taken, y[rows])
    codes = schema.codes(matrix)
    name, params, rounds = FIRST_FIT
    booster, encoding, _ = _fit(Candidate(name, "native", params, rounds), codes, y_sample, schema, rounds,
                                seed, nthread)
    explained = codes[: SHARE_ROWS]
    # numpy TreeSHAP: the same exact values as XGBoost's pred_contribs (checked on probe rows, else that is used),
    # in a fraction of its time on a depth-4 first fit
    data = encoding.encode(explained, schema)
    explainer = TreeExplainer.build(booster, data[:PROBE_ROWS])
    contributions = (explainer.contributions(data) if explainer is not None
                     else booster.predict(encoding.dmatrix(explained, schema), pred_contribs=True))
    return decision_shares(contributions, schema.names)


def leakage_screen(train_frame: pd.DataFrame, all_rows: pd.DataFrame, labels: np.ndarray, y_train: np.ndarray,
                   review: Review, threshold: float, seed: int, nthread: int) -> list[FieldPower]:
    """Both rules of ``leakage.py`` on the training part (and, for the fill-rate signs, on every row)."""
    screened = _sample(np.arange(len(y_train)), y_train, SCREEN_ROWS, seed)
    sample = _rows_of(train_frame, screened)
    schema = build_schema(sample, review)
    matrix = schema.parse(sample).matrix  # every labelled row parses (training_rows.py); outcomes follow the index
    powers = screen(matrix, y_train[screened][matrix.index.to_numpy() - 1], threshold)
    signs = _work_signs(all_rows, labels, review, seed)
    alone = review
    for power in powers:
        if power.flagged:
            alone = alone.ignore(power.name, power.reason)
    shares = _first_fit_shares(train_frame, y_train, alone, seed, nthread) if alone.fields() else {}
    # Flagged first: those that give the outcome away alone, then the worked ones by their share of decisions.
    return sorted(judge(powers, signs, shares), key=lambda p: (not p.flagged, not p.alone, -(p.share or 0.0),
                                                               -p.auc))


# ---- evaluation ----------------------------------------------------------------------------------
def reliability_table(p: np.ndarray, y: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Mean predicted chance against observed conversion rate, in bins of equal size."""
    order = np.argsort(p, kind="stable")
    return [{"mean_p": float(p[part].mean()), "observed": float(y[part].mean()), "leads": int(len(part))}
            for part in np.array_split(order, bins) if len(part)]


def gain_chart(p: np.ndarray, y: np.ndarray, points: int = 20) -> list[dict[str, float]]:
    """Share of leads called (best first) against share of conversions caught."""
    caught = np.cumsum(y[np.argsort(-p, kind="stable")])
    total = max(int(y.sum()), 1)
    shares = np.linspace(0, 1, points + 1)
    return [{"share_called": float(s), "share_caught": float(caught[int(round(s * len(y))) - 1] / total)
             if s > 0 else 0.0} for s in shares]


def outcome_metrics(p: np.ndarray, y: np.ndarray, bands: Bands) -> dict[str, Any]:
    """How well chances ``p`` of conversion fit outcomes ``y`` (0/1): ranking, calibration, gain, each tier.

    The training report's test part and ``leadscore evaluate`` on a file of newer closed leads both use it.
    """
    return {"roc_auc": float(roc_auc_score(y, p)), "log_loss": float(log_loss(y, p, labels=[0, 1])),
            "brier": float(np.mean((p - y) ** 2)), "base_rate": float(y.mean()), "mean_p": float(p.mean()),
            "calibration": reliability_table(p, y), "gain": gain_chart(p, y), "tiers": tier_report(p, y, bands)}


def _evaluate(model: OutcomeModel, codes: np.ndarray, y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    sample = codes[: min(len(codes), 5000)]
    importance = np.abs(model.contributions(sample)[:, :-1]).mean(axis=0)
    return {**outcome_metrics(p, y, model.bands),
            "importance": {name: float(v) for name, v in zip(model.schema.names, importance, strict=True)}}


# ---- fitting --------------------------------------------------------------------------------------
def _calibrated(booster: xgb.Booster, encoding: Encoding, schema: Schema, outcome: Outcome, chosen: Candidate,
                rounds: int, slope: float, intercept: float, held_p: np.ndarray) -> OutcomeModel:
    """The model, with default bands and the reference distribution from chances of leads it did not fit."""
    return OutcomeModel(booster, schema, outcome, encoding, slope, intercept, Bands.by_share(held_p),
                        reference=tuple(float(v) for v in np.quantile(held_p, np.linspace(0, 1, 101))),
                        metadata={"preset": chosen.name, "candidate": chosen.name, "rounds": rounds,
                                  "params": chosen.params})


def _fit_large(candidates: Sequence[Candidate], train_frame: pd.DataFrame, y: np.ndarray, schema: Schema,
               outcome: Outcome, sample_rows: int, seed: int, nthread: int, progress: Progress
               ) -> tuple[OutcomeModel, list[dict[str, Any]], Candidate, str]:
    """A large training part: compare on a sample, fit the winner on more, calibrate on others it did not fit."""
    order = np.random.default_rng(seed).permutation(len(y))
    compared = np.sort(order[:sample_rows])
    held_out = min(CALIBRATION_ROWS, (len(y) - sample_rows) // 2)
    calibration = np.sort(order[sample_rows: sample_rows + held_out])
    codes = schema.codes(schema.parse(train_frame.iloc[compared]).matrix)
    comparison = _compare(candidates, codes, y[compared], schema, seed, nthread, progress)
    best = min(comparison, key=lambda r: r["log_loss"])
    chosen = next(c for c in candidates if c.name == best["name"])
    fit_rows = SMOTE_FIT_ROWS if chosen.smote else FIT_ROWS
    # The fit set: the compared sample, then rows not set aside for calibration, up to fit_rows.
    fitted = np.sort(np.concatenate([compared, order[sample_rows + held_out:]])[:fit_rows])
    del codes
    fit_codes = schema.codes(schema.parse(train_frame.iloc[fitted]).matrix)
    held_codes = schema.codes(schema.parse(train_frame.iloc[calibration]).matrix)
    progress(f"Fitting {chosen.name} on {len(fitted):,} training leads", 0.75)
    rounds = best["rounds"] if chosen.fixed_rounds else chosen.rounds
    booster, encoding, rounds = _fit(chosen, fit_codes, y[fitted], schema, rounds, seed, nthread,
                                     (held_codes, y[calibration]))
    booster = booster[:rounds]  # early stopping leaves EARLY_STOPPING trees past the best
    held_margins = _margins(booster, encoding, held_codes, schema, rounds)
    slope, intercept = fit_platt(held_margins, y[calibration])
    model = _calibrated(booster, encoding, schema, outcome, chosen, rounds, slope, intercept,
                        sigmoid(slope * held_margins + intercept))
    stopped = ", stopped early on those" if rounds < chosen.rounds and not chosen.fixed_rounds else ""
    sampling = (f"a large file: {len(y):,} training leads, so the models were compared on a random {len(compared):,} "
                f"of them; {chosen.name} was then fitted on {len(fitted):,} ({rounds} rounds{stopped}) and "
                f"calibrated on {len(calibration):,} others it did not fit")
    log.info(sampling)
    return model, comparison, chosen, sampling


# ---- the whole flow ------------------------------------------------------------------------------
def _class_counts(y: np.ndarray) -> tuple[list[str], str | None]:
    converted, not_converted = int((y == 1).sum()), int((y == 0).sum())
    if converted < MIN_PER_CLASS or not_converted < MIN_PER_CLASS:
        return [], (f"too few leads to learn from: {converted} converted and {not_converted} not converted; "
                    f"at least {MIN_PER_CLASS} of each are needed")
    warnings = [f"only {n} {what} leads: the model will be rough below {WARN_PER_CLASS} of each"
                for n, what in ((converted, "converted"), (not_converted, "not converted")) if n < WARN_PER_CLASS]
    return warnings, None


def train_outcome(frame: pd.DataFrame, target: str, positive: Sequence[str] | None = None,
                  id_column: str | None = None, order_by: str | None = None, exclude: Sequence[str] = (),
                  keep: Sequence[str] = (), actionable: Sequence[str] | None = None,
                  open_values: Sequence[str] = (), *,
                  negative: Sequence[str] | None = None,
                  rejected_rows: Sequence[tuple[int, str, str, str]] = (), leak_threshold: float = LEAK_AUC,
                  sample_rows: int | None = COMPARE_ROWS,
                  candidates: Sequence[Candidate] = CANDIDATES, seed: int = SEED,
                  nthread: int = TRAINING_THREADS, progress: Progress = _quiet) -> OutcomeTraining:
    """Train an outcome model on a CRM export read as text (``csvio.read_table``); see the module docstring.

    ``actionable`` names the fields a salesperson can change (marked in the schema for what-if; None: the
    default every face shares, ``default_changeable``; a consent or opt-out field is refused);
    ``open_values`` the outcome values that mean "not decided yet" (open leads, like an empty outcome);
    ``negative`` the values that mean lost: with more than two outcome values and no doubt-free reading,
    naming them is required, and any value named neither converted nor lost is an open lead.
    ``rejected_rows``: rows the reader refused (``csvio.read_table(..., rejected=...)``), counted in the
    report so that rows in = rows trained and tested + open + left out + rejected.
    ``sample_rows``: with more training leads than this, candidates are compared on a sample (None: never).

    Raises SchemaError (columns), OutcomeError (outcome values) or NotEnoughDataError, each with a one-line message.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    progress("Reviewing the columns", 0.0)
    review = infer_columns(frame, target, id_column, order_by, exclude, keep)
    clash = name_clash([c.name for c in review.fields()], review.target)
    if clash:
        raise SchemaError(clash)
    actionable = default_changeable(review) if actionable is None else actionable
    check_fields(review, actionable, "--actionable")
    check_changeable(actionable, "--actionable")
    outcome_column = mark_open(frame[review.target], open_values)
    positive = infer_positive(outcome_column, positive, negative=negative)
    negative = infer_negative(outcome_column, positive, negative)
    labels = outcome_labels(outcome_column, positive, negative=negative)
    open_leads = int((labels < 0).sum())
    named = {v.lower() for v in (*positive, *negative)}
    open_by_value = {v: n for v, n in outcome_counts(frame[review.target]).items() if v.lower() not in named}
    labelled, cell_notes = blank_impossible_cells(frame.loc[labels >= 0].reset_index(drop=True), review)
    y_all = labels[labels >= 0]
    notes = [f"'{c.name}': {c.note}" for c in review.columns if c.note] + cell_notes
    warnings, refusal = _class_counts(y_all)
    if refusal:
        raise NotEnoughDataError(refusal)
    warnings += notes
    if rejected_rows:
        warnings.append(f"{len(rejected_rows):,} row{'s' if len(rejected_rows) > 1 else ''} rejected: "
                        + "; ".join(f"row {r[0]}: {r[3]}" for r in rejected_rows[:3])
                        + (" ..." if len(rejected_rows) > 3 else ""))
    for warning in warnings:
        log.warning(warning)

    train_pos, test_pos, split_text = split_rows(labelled, y_all, review, seed)
    train_frame, test_frame = labelled.iloc[train_pos], labelled.iloc[test_pos]
    y_train, y_test = y_all[train_pos], y_all[test_pos]

    progress("Looking for fields filled in after the sale", 0.05)
    powers = leakage_screen(train_frame, frame, labels, y_train, review, leak_threshold, seed, nthread)
    kept = {header_key(k) for k in keep}
    for power in powers:
        if power.flagged and header_key(power.name) not in kept:
            review = review.ignore(power.name, power.reason)
    if not review.fields():
        raise NotEnoughDataError("every field was flagged as filled in after the outcome; keep some with --keep")
    schema = build_schema(train_frame, review, actionable=actionable)
    train_frame, y_train, empty_train, train_matrix = rows_with_fields(schema, train_frame, y_train)
    large = sample_rows is not None and len(y_train) > sample_rows  # then parsed again in parts (_fit_large)
    train_codes = None if large else schema.codes(train_matrix)
    del train_matrix
    _, y_test, empty_test, test_matrix = rows_with_fields(schema, test_frame, y_test)
    if empty_train + empty_test:
        warnings.append(f"{empty_train + empty_test:,} leads the fields could not be read from were left out, "
                        "with their outcomes")
        log.warning(warnings[-1])
    test_codes = schema.codes(test_matrix)
    outcome = Outcome(review.target, tuple(positive), tuple(negative))

    if train_codes is None:  # a large file
        assert sample_rows is not None
        model, comparison, chosen, sampling = _fit_large(candidates, train_frame, y_train, schema, outcome,
                                                         sample_rows, seed, nthread, progress)
    else:
        comparison = _compare(candidates, train_codes, y_train, schema, seed, nthread, progress)
        best = min(comparison, key=lambda r: r["log_loss"])
        chosen = next(c for c in candidates if c.name == best["name"])
        progress("Training the best model on all the training leads", 0.75)
        slope, intercept = fit_platt(best["oof_margins"], y_train)
        booster, encoding, _ = _fit(chosen, train_codes, y_train, schema, best["rounds"], seed, nthread)
        model = _calibrated(booster, encoding, schema, outcome, chosen, best["rounds"], slope, intercept,
                            sigmoid(slope * best["oof_margins"] + intercept))
        sampling = None
    # What incoming leads are compared with (the store's drift): the training leads' fields, and the
    # model's chances on leads it did not fit (its reference quantiles stand for their distribution).
    model.metadata["drift_reference"] = drift_reference(train_frame, {f.name: f.kind for f in schema.fields},
                                                        np.asarray(model.reference))

    progress("Testing it on leads it never saw", 0.9)
    test_p = model.predict(test_codes)
    document = {
        "kind": "outcome", "target": review.target, "positive": list(positive), "negative": list(negative),
        "open_values": list(open_values), "open_by_value": open_by_value,
        "split": split_text, "rows": int(len(frame)) + len(rejected_rows), "open_leads": open_leads,
        "rejected_rows": len(rejected_rows),
        "empty_rows": empty_train + empty_test,
        "train_rows": int(len(y_train)), "test_rows": int(len(y_test)),
        "converted": int(y_train.sum() + y_test.sum()),
        "not_converted": int((y_train == 0).sum() + (y_test == 0).sum()),
        "warnings": warnings, "columns": [c.to_dict() for c in review.columns],
        "leakage": {"threshold": leak_threshold, "fields": [p.to_dict() for p in powers],
                    "kept_on_purpose": [p.name for p in powers if p.flagged and header_key(p.name) in kept]},
        "fill_rates": {f.name: f.fill_rate for f in schema.fields},
        "candidates": [{k: v for k, v in r.items() if k != "oof_margins"} for r in comparison],
        "chosen": chosen.name, "calibration_fit": {"slope": model.slope, "intercept": model.intercept},
        "sampling": sampling,
        "bands": model.bands.to_dict(), "test": _evaluate(model, test_codes, y_test, test_p),
        "test_scores": {"p": [round(float(v), SCORE_DECIMALS) for v in test_p], "y": y_test.astype(int).tolist()},
    }
    document["seconds"] = round(time.perf_counter() - started, 2)
    document["cpu_seconds"] = round(time.process_time() - cpu_started, 2)
    progress("Done", 1.0)
    return OutcomeTraining(model, WonLostReport.model_validate(document), review, warnings)

