"""Commands that make models: generate synthetic leads, train (built-in, a CRM export, from results), evaluate."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from leadscore.cli.common import UserError, file_name, open_store, registry_of, sheet_argument
from leadscore.data import csvio, synth
from leadscore.fields.builtin import CLASSES, LABEL_COLUMN
from leadscore.fields.headers import header_key
from leadscore.fields.infer import outcome_counts, outcome_labels
from leadscore.modeling.three_tiers.target import ThreeTiers
from leadscore.modeling.won_lost.target import WonLost
from leadscore.scoring.scorer import Scorer
from leadscore.workflows import gate, train

log = logging.getLogger("leadscore")


def cmd_generate(args: argparse.Namespace) -> None:
    """Write synthetic leads with tiers and true probabilities."""
    if args.n < 1:
        raise UserError("-n must be at least 1")
    frame = synth.generate(args.n, seed=args.seed)
    frame.to_csv(args.output, index=False)
    log.info("wrote %d synthetic leads to %s (Bayes accuracy %.3f)", len(frame), args.output,
             synth.bayes_accuracy(frame[list(synth.TRUE_PROBABILITY_COLUMNS)].to_numpy()))


def _training_data(args: argparse.Namespace) -> tuple[pd.DataFrame, str]:
    if args.data:
        return csvio.read_table(args.data), f"file: {Path(args.data).name}"
    return (synth.generate(args.n, seed=args.seed),
            f"synthetic: {args.n} leads, data variant {args.seed}")


def _publish(args: argparse.Namespace, candidate: train.Candidate) -> train.Published:
    """Publish a candidate under the one gate: below its rule, only with --force (and it says so)."""
    try:
        return train.publish(registry_of(args), candidate, force=args.force, activate=not args.no_activate)
    except train.NotPublishedError as error:
        raise UserError(str(error)) from error


def cmd_train(args: argparse.Namespace) -> None:
    """Train a model, report it, and publish it as the active version if it passes the publish gate."""
    registry_of(args).publishing_key()  # a signing key that would refuse the publish refuses now, before training
    if args.from_results:
        if args.data or args.target:
            raise UserError("--from-results trains on the recorded leads with outcomes: leave out --data and --target")
        cmd_train_from_results(args)
        return
    if args.target:
        cmd_train_outcome(args)
        return
    outcome_only = [f"--{name.replace('_', '-')}" for name in ("positive", "negative", "open", "id", "order_by",
                                                            "exclude", "keep", "actionable") if getattr(args, name)]
    if outcome_only:
        raise UserError(f"{', '.join(outcome_only)} need --target (the won/lost column of a CRM export)")
    frame, source = _training_data(args)
    candidate = train.train_builtin(frame, source, registry_of(args), preset=args.preset,
                                    with_baselines=not args.no_baselines)
    published = _publish(args, candidate)
    report = candidate.report
    verdict = candidate.verdict.sentence
    said = f"Published with --force, although: {verdict[:1].lower()}{verdict[1:]}" if published.forced else verdict
    print(f"version {published.version}: accuracy {report['accuracy']:.3f}, High recall "
          f"{report['High']['recall']:.3f}, High precision {report['High']['precision']:.3f}"
          + (f", Bayes accuracy {report['bayes_accuracy']:.3f}" if "bayes_accuracy" in report else "")
          + f" on its {report['rows_evaluated']:,} held-out leads. {said}.")


def cmd_train_outcome(args: argparse.Namespace) -> None:
    """Train on a CRM export with a won/lost column; publish it when it ranks leads well enough (the gate)."""
    from leadscore.modeling.won_lost.summary import summary_lines

    if not args.data:
        raise UserError("--target needs --data: the CRM export to learn from")
    rejected: list[tuple[int, str, str, str]] = []
    frame = csvio.read_table(args.data, rejected=rejected)
    try:
        candidate = train.train_history(
            frame, args.target, f"file: {Path(args.data).name}", positive=args.positive or None,
            negative=args.negative or None, open_values=args.open or (), id_column=args.id, order_by=args.order_by,
            exclude=args.exclude or (), keep=args.keep or (), actionable=args.actionable or None,
            rejected_rows=rejected)
    except train.TrainingError as error:
        raise UserError(f"{args.data}: {error}") from error
    for line in summary_lines(candidate.report):
        print(line)
    print(candidate.verdict.sentence)
    print(_publish(args, candidate).sentence())


def cmd_train_from_results(args: argparse.Namespace) -> None:
    """Retrain from results exactly as the Results page does: the older 75% of the recorded leads with outcomes
    train a model of the team's results, both models are measured on the newest 25%, and it is published only
    when it ranks them at least 95% as well as the active model (else exit 2; --force publishes anyway)."""
    from leadscore.modeling.won_lost.summary import summary_lines

    registry = registry_of(args)
    active = Scorer(registry.load_or_train_default())
    store = open_store(args)
    try:
        candidate = train.train_from_results(store, active, target=args.target_name)
    except train.TrainingError as error:
        raise UserError(f"the recorded results: {error}") from error
    finally:
        store.close()
    for line in summary_lines(candidate.report):
        print(line)
    high, medium = candidate.extra["shares"]
    print(f"tiers carried over from the active model ({active.version}): High {high:.0%}, Medium {medium:.0%}")
    print(candidate.verdict.sentence)
    print(gate.RULE)
    print(_publish(args, candidate).sentence())


def cmd_evaluate(args: argparse.Namespace) -> None:
    """Evaluate the active model on labeled data (default: fresh synthetic leads)."""

    scorer = Scorer(registry_of(args).load_or_train_default())
    _EVALUATIONS[type(scorer.model.target)](args, scorer)


def _evaluate_tiers(args: argparse.Namespace, scorer: Scorer) -> None:
    """The built-in model on labeled leads with a 'tier' column (default: fresh synthetic leads)."""
    from leadscore.modeling.three_tiers.evaluate import evaluate_probabilities

    frame = (csvio.read_table(args.data) if args.data
             else synth.generate(args.n, seed=args.seed))
    batch = scorer.score(frame)
    if f"{LABEL_COLUMN}_input" not in batch.scored.columns:
        raise UserError(f"{args.data}: needs a '{LABEL_COLUMN}' column to evaluate against")
    if batch.rejected_rows:
        first = batch.problems.iloc[0]
        raise UserError(f"{batch.rejected_rows} invalid row(s); first: row {first['row']}, "
                        f"column '{first['column']}': {first['reason']}")
    scored = batch.scored
    labels = scored[f"{LABEL_COLUMN}_input"].astype("string").str.strip().str.capitalize()
    if not labels.isin(CLASSES).all():
        raise UserError(f"column '{LABEL_COLUMN}' must hold only Low, Medium or High")
    report = evaluate_probabilities(
        scored[["p_low", "p_medium", "p_high"]].to_numpy(),
        scored["tier"].map({t: i for i, t in enumerate(CLASSES)}).to_numpy(),
        labels.map({t: i for i, t in enumerate(CLASSES)}).to_numpy(dtype=np.int64),
        synth.truth_columns(scored),
    )
    report["model_version"] = scorer.version
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(format_report(report))


def _evaluate_won_lost(args: argparse.Namespace, scorer: Scorer) -> None:
    """A team's model on a file of closed leads with its outcome column (say, those closed since training)."""
    from leadscore.modeling.won_lost.train import outcome_metrics

    outcome = scorer.model.target
    assert isinstance(outcome, WonLost)
    if not args.data:
        raise UserError(f"the active model was trained on a CRM export: evaluate it on a file of closed leads "
                        f"with its outcome column '{outcome.column}' (--data FILE)")
    frame = csvio.read_table(args.data)
    target = [c for c in frame.columns if header_key(c) == header_key(outcome.column)]
    if len(target) != 1:
        raise UserError(f"{args.data}: needs one outcome column '{outcome.column}' to evaluate against")
    labels = outcome_labels(frame[target[0]], outcome.positive, negative=outcome.negative)
    if not (labels >= 0).any():
        seen = outcome_counts(frame[target[0]])
        raise UserError(f"{args.data}: column '{target[0]}' holds no closed lead: the model reads "
                        f"{' or '.join(map(repr, outcome.positive))} as converted and "
                        f"{' or '.join(map(repr, outcome.negative)) or 'any other value'} as not converted, as its "
                        "training file spelled them; values seen: "
                        + (", ".join(f"'{v}' ({n:,})" for v, n in list(seen.items())[:12]) or "none (every cell "
                           "empty)"))
    file_rows = np.flatnonzero(labels >= 0) + 1  # the file's row of each closed lead (1 = first under the header)
    closed = frame.loc[labels >= 0].reset_index(drop=True)
    batch = scorer.score(closed, explain=False)
    if batch.scored.empty:
        first = batch.problems.iloc[0]
        raise UserError(f"{args.data}: every one of the {len(closed):,} closed leads was rejected; first: row "
                        f"{file_rows[int(first['row']) - 1]:,}, column '{first['column']}', value "
                        f"{str(first['value'])!r}: {first['reason']}")
    y = labels[labels >= 0][batch.scored.index.to_numpy() - 1]
    if len(set(y.tolist())) < 2:
        which = "converted" if y[0] == 1 else "not converted"
        raise UserError(f"{args.data}: all {len(y):,} scored closed leads are {which}: how well the model ranks "
                        "leads needs converted and not converted ones")
    report = {"model_version": scorer.version, "rows_read": int(len(frame)), "open_leads": int((labels < 0).sum()),
              "rows_evaluated": int(len(y)), "rows_rejected": batch.rejected_rows,
              **outcome_metrics(batch.scored["p_convert"].to_numpy(), y, outcome.bands)}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"model {report['model_version']} on {report['rows_evaluated']:,} closed leads of {args.data} "
          f"({report['open_leads']:,} open leads and {report['rows_rejected']:,} rejected rows not counted)")
    print(f"ROC AUC {report['roc_auc']:.3f}   log loss {report['log_loss']:.3f}   "
          f"converted {report['base_rate']:.1%}, mean predicted chance {report['mean_p']:.1%}")
    for tier in report["tiers"]:
        rate = tier["conversion_rate"]
        print(f"  {tier['tier']:<6} {tier['leads']:>7,} leads ({tier['share']:.0%}), converted "
              + (f"{rate:.1%}" if rate is not None else "n/a"))


#: How each target is evaluated on labeled leads: the knowledge differs (three known tiers against won/lost).
_EVALUATIONS = {ThreeTiers: _evaluate_tiers, WonLost: _evaluate_won_lost}


def format_report(report: dict) -> str:
    """The evaluation report as a short table for a terminal."""
    lines = [f"model {report.get('model_version', '')} on {report['rows_evaluated']} leads",
             f"accuracy {report['accuracy']:.3f}   log loss {report['log_loss']:.3f}"]
    if "bayes_accuracy" in report:
        lines.append(f"Bayes accuracy (ceiling) {report['bayes_accuracy']:.3f}   "
                     f"probability error vs truth {report['probability_mae']:.3f}")
    lines.append(f"{'tier':<14}{'precision':>10}{'recall':>10}{'f1':>10}{'leads':>8}")
    for name in (*CLASSES, "macro avg", "weighted avg"):
        row = report[name]
        lines.append(f"{name:<14}{row['precision']:>10.3f}{row['recall']:>10.3f}"
                     f"{row['f1-score']:>10.3f}{int(row['support']):>8}")
    lines.append("confusion matrix (rows true, columns predicted: " + ", ".join(CLASSES) + ")")
    lines.extend("  " + " ".join(f"{v:>7}" for v in row) for row in report["confusion_matrix"])
    return "\n".join(lines)


def add_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the training commands to the parser."""
    gen = commands.add_parser("generate", parents=[common], help="write synthetic leads to a CSV")
    gen.add_argument("-n", type=int, default=10_000, help="number of leads (default 10000)")
    gen.add_argument("--seed", type=int, default=42,
                     help="data variant: which set of synthetic leads; the same number gives the same leads "
                          "(default 42)")
    gen.add_argument("-o", "--output", required=True, type=file_name, help="CSV file to write")
    gen.set_defaults(handler=cmd_generate)

    tr = commands.add_parser(
        "train", parents=[common], help="train a model and make it active",
        description="Train the built-in kind of model (synthetic leads, or a CSV with a 'tier' column), or, with "
                    "--target, a model of your own CRM history: any columns, a won/lost outcome column. The CRM "
                    "file is read as the CRM wrote it; column roles are inferred, fields that give the outcome away "
                    "are left out (and listed), and the model is tested on the most recent 20% of leads.")
    tr.add_argument("--data", type=file_name,
                    help="labeled CSV: a CRM export with --target, else one with a 'tier' column "
                         "(default: synthetic leads); a CSV or an Excel workbook (.xlsx)")
    sheet_argument(tr, "data")
    tr.add_argument("--target", metavar="COLUMN", help="the outcome column of a CRM export (won/lost, 1/0, yes/no...)")
    tr.add_argument("--positive", nargs="+", metavar="VALUE",
                    help="the outcome values that mean converted (default: inferred when there is no doubt)")
    tr.add_argument("--negative", nargs="+", metavar="VALUE",
                    help="the outcome values that mean lost; any value named neither --positive nor --negative is "
                         "an open lead, not trained on (default: inferred only when there is no doubt, e.g. "
                         "two values; otherwise training stops and lists every value with its count)")
    tr.add_argument("--open", nargs="+", action="extend", metavar="VALUE",
                    help="outcome values that mean not decided yet (an 'Open' stage): open leads, not trained on, "
                         "like an empty outcome (default: only empty outcomes are open)")
    tr.add_argument("--id", metavar="COLUMN", help="the lead ID column (default: inferred)")
    tr.add_argument("--order-by", metavar="COLUMN",
                    help="the column that orders leads in time; the newest 20%% are the test part "
                         "(default: a date or an increasing ID, else a stratified split)")
    tr.add_argument("--exclude", nargs="+", action="extend", metavar="FIELD", help="columns not to learn from")
    tr.add_argument("--keep", nargs="+", action="extend", metavar="FIELD",
                    help="learn from these even if flagged as filled in after the outcome, or ignored")
    tr.add_argument("--actionable", nargs="+", action="extend", metavar="FIELD",
                    help="fields a salesperson's work can change (what-if on the dashboard uses only these)")
    tr.add_argument("--preset", choices=["default", "seed"], default="default",
                    help="hyperparameters: 'default' (chosen on held-out data) or 'seed' (the original study's)")
    tr.add_argument("-n", type=int, default=10_000, help="synthetic leads when no --data (default 10000)")
    tr.add_argument("--seed", type=int, default=42, help="data variant of the synthetic leads (default 42)")
    tr.add_argument("--no-baselines", action="store_true", help="skip the baseline models")
    tr.add_argument("--no-activate", action="store_true", help="publish without making it active")
    tr.add_argument("--force", action="store_true",
                    help="publish even below the publish gate (built-in: less accurate than the active model on "
                         "the reference leads; a CRM export: held-out ROC AUC under 0.6; --from-results: ranks the "
                         "newest outcomes less than 95%% as well as the active model), and say so")
    tr.add_argument("--from-results", action="store_true",
                    help="train a model of your own outcomes on the recorded leads whose outcome is known "
                         "(leadscore score --record, then leadscore outcomes), as the Results page does: trained on "
                         "the older 75%%, compared with the active model on the newest 25%%, published only when "
                         "it ranks them at least 95%% as well (else exit 2)")
    tr.add_argument("--target-name", default="converted",
                    help="with --from-results: the name of the outcome column in the model (default converted)")
    tr.set_defaults(handler=cmd_train)

    ev = commands.add_parser("evaluate", parents=[common], help="evaluate the active model")
    ev.add_argument("--data", type=file_name,
                    help="labeled CSV: with a 'tier' column for the built-in model (default: fresh synthetic "
                         "leads), or closed leads with the outcome column for a model of CRM history (CSV or .xlsx)")
    sheet_argument(ev, "data")
    ev.add_argument("-n", type=int, default=20_000, help="synthetic leads when no --data (default 20000)")
    ev.add_argument("--seed", type=int, default=2024,
                    help="data variant of the synthetic leads (default 2024, not the one trained on)")
    ev.add_argument("--json", action="store_true", help="print the full report as JSON")
    ev.set_defaults(handler=cmd_evaluate)
