"""Commands that make models: generate synthetic leads, train (built-in, a CRM export, from results), evaluate."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import pandas as pd

from leadscore.cli.common import UserError, file_name, open_store, registry_of, sheet_argument
from leadscore.data import csvio, synth
from leadscore.modeling.report import EvaluationError
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
    verdict = candidate.verdict.sentence
    said = f"Published with --force, although: {verdict[:1].lower()}{verdict[1:]}" if published.forced else verdict
    print(f"version {published.version}: {'; '.join(candidate.report.training_lines())}. {said}.")


def cmd_train_outcome(args: argparse.Namespace) -> None:
    """Train on a CRM export with a won/lost column; publish it when it ranks leads well enough (the gate)."""
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
    for line in candidate.report.training_lines():
        print(line)
    print(candidate.verdict.sentence)
    print(_publish(args, candidate).sentence())


def cmd_train_from_results(args: argparse.Namespace) -> None:
    """Retrain from results exactly as the Results page does: the older 75% of the recorded leads with outcomes
    train a model of the team's results, both models are measured on the newest 25%, and it is published only
    when it ranks them at least 95% as well as the active model (else exit 2; --force publishes anyway)."""
    registry = registry_of(args)
    active = Scorer(registry.load_or_train_default())
    store = open_store(args)
    try:
        candidate = train.train_from_results(store, active, target=args.target_name)
    except train.TrainingError as error:
        raise UserError(f"the recorded results: {error}") from error
    finally:
        store.close()
    for line in candidate.report.training_lines():
        print(line)
    if candidate.shares is not None:  # always set by train_from_results
        high, medium = candidate.shares
        print(f"tiers carried over from the active model ({active.version}): High {high:.0%}, Medium {medium:.0%}")
    print(candidate.verdict.sentence)
    print(gate.RULE)
    print(_publish(args, candidate).sentence())


def cmd_evaluate(args: argparse.Namespace) -> None:
    """Evaluate the active model on labeled data: its target says how (the built-in model without --data: fresh
    synthetic leads; a team's model: a file of closed leads with its outcome column)."""
    scorer = Scorer(registry_of(args).load_or_train_default())
    data = csvio.read_table(args.data) if args.data else None
    try:
        evaluation = scorer.model.target.evaluate(scorer, data, str(args.data), args.n, args.seed)
    except EvaluationError as error:
        raise UserError(str(error)) from error
    if args.json:
        print(json.dumps(evaluation.document, indent=2))
        return
    print("\n".join(evaluation.lines))


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
