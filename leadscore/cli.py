"""The ``leadscore`` command: generate, train, score, evaluate, serve; outcomes and report (the store).

Every command takes ``--models-dir`` (or ``LEADSCORE_MODELS_DIR``). Bad input
ends with a one-line reason on stderr and exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from leadscore.data import csvio, export, synth
from leadscore.fields.builtin import CLASSES, FEATURE_NAMES, LABEL_COLUMN
from leadscore.fields.headers import header_key
from leadscore.fields.infer import OutcomeError, outcome_labels
from leadscore.fields.rejections import REJECTION_COLUMNS, SchemaError
from leadscore.modeling.model import model_of
from leadscore.modeling.targets import ThreeTiers, WonLost
from leadscore.modeling.tiers import TIERS
from leadscore.registry import DEFAULT_MODELS_DIR, ENV_MODELS_DIR, ModelFileError, Registry
from leadscore.scoring.scorer import ScoredBatch, Scorer
from leadscore.version_names import MAX_NAME, VersionNameError

if TYPE_CHECKING:
    from leadscore.store import Store

log = logging.getLogger("leadscore")

EXIT_BAD_INPUT = 2

DESCRIPTION = ("Score real estate leads into High, Medium and Low priority: train and evaluate the model, "
               "score a CSV of leads, or serve the REST API. Run 'leadscore COMMAND --help' for a command's "
               "options.")
EPILOG = ("Bad input ends with a one-line reason on stderr and exit code 2. "
          f"Models are kept in --models-dir, else ${ENV_MODELS_DIR}, else {DEFAULT_MODELS_DIR}.")


class UserError(Exception):
    """A problem the user can fix; reported as one line, without a traceback."""


def _registry(args: argparse.Namespace) -> Registry:
    return Registry(args.models_dir)


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


def _publish_gate(registry: Registry, candidate: Scorer) -> str:
    """The dashboard's publish gate: refuse a candidate less accurate than the active model on the same leads."""
    from leadscore.modeling import compare

    if registry.active_version() is None:
        return "No active model to compare with"
    try:
        current = Scorer(registry.load())
    except ModelFileError as error:
        raise UserError(f"cannot compare with the active model ({error}); nothing was published "
                        "(use --force to publish anyway)") from error
    if current.schema.names != FEATURE_NAMES:
        return "The active model reads other fields than the reference leads carry; nothing to compare on"
    leads = compare.reference_leads()
    gate = compare.verdict(compare.reference_report(current, leads), compare.reference_report(candidate, leads))
    if not gate.at_least_as_good:
        raise UserError(f"{gate.sentence}; nothing was published (use --force to publish anyway)")
    return gate.sentence


def cmd_train(args: argparse.Namespace) -> None:
    """Train a model, report it, and publish it as the active version if it is at least as good."""
    if args.from_results:
        if args.data or args.target:
            raise UserError("--from-results trains on the recorded leads with outcomes: leave out --data and --target")
        cmd_train_outcome(args)
        return
    if args.target:
        cmd_train_outcome(args)
        return
    outcome_only = [f"--{name.replace('_', '-')}" for name in ("positive", "negative", "open", "id", "order_by",
                                                            "exclude", "keep", "actionable") if getattr(args, name)]
    if outcome_only:
        raise UserError(f"{', '.join(outcome_only)} need --target (the won/lost column of a CRM export)")
    from leadscore.modeling import train  # heavy imports only for this command

    frame, source = _training_data(args)
    result = train.train(frame, preset=args.preset, with_baselines=not args.no_baselines)
    result.model.metadata["data_source"] = source
    registry = _registry(args)
    gate = "Published with --force" if args.force else _publish_gate(registry, Scorer(model_of(result.model)))
    version = registry.publish(result.model, result.report, activate=not args.no_activate, check_rows=frame)
    report = result.report
    print(f"version {version}: accuracy {report['accuracy']:.3f}, High recall "
          f"{report['High']['recall']:.3f}, High precision {report['High']['precision']:.3f}"
          + (f", Bayes accuracy {report['bayes_accuracy']:.3f}" if "bayes_accuracy" in report else "")
          + f" on its {report['rows_evaluated']:,} held-out leads. {gate}.")


def cmd_train_outcome(args: argparse.Namespace) -> None:
    """Train on a CRM export with a won/lost column; publish it when it ranks leads better than chance."""
    from leadscore.modeling.outcome import NotEnoughDataError, train_outcome  # heavy imports only here
    from leadscore.modeling.outcome_summary import READY_AUC, is_ready, summary_lines

    rejected: list[tuple[int, str, str, str]] = []
    if args.from_results:
        store = _open_store(args)
        try:
            frame = store.training_frame(target=args.target_name)
        except ValueError as error:
            raise UserError(str(error)) from error
        finally:
            store.close()
        source, target = f"results: {len(frame):,} recorded leads with outcomes", args.target_name
        positive = ["yes"]
    elif not args.data:
        raise UserError("--target needs --data: the CRM export to learn from")
    else:
        frame = csvio.read_table(args.data, rejected=rejected)
        source, target, positive = f"file: {Path(args.data).name}", args.target, args.positive or None
    try:
        result = train_outcome(frame, target, positive=positive, id_column=args.id,
                               order_by=args.order_by, exclude=args.exclude or (), keep=args.keep or (),
                               actionable=args.actionable or (), open_values=args.open or (),
                               negative=args.negative or None, rejected_rows=rejected)
    except (OutcomeError, NotEnoughDataError) as error:
        raise UserError(f"{args.data or 'the recorded results'}: {error}") from error
    result.model.metadata["data_source"] = source
    for line in summary_lines(result.report):
        print(line)
    if not is_ready(result.report) and not args.force:
        raise UserError(f"held-out ROC AUC {result.report['test']['roc_auc']:.3f} is below {READY_AUC}: the model "
                        "ranks leads little better than chance; nothing was published (use --force to publish anyway)")
    version = _registry(args).publish(result.model, result.report, activate=not args.no_activate,
                                      check_rows=frame)
    print(f"version {version}: {'published and active' if not args.no_activate else 'published'}")


def cmd_score(args: argparse.Namespace) -> None:
    """Score a CSV in chunks; rejected rows go to a separate file.

    Both files are written under temporary names and renamed only when the
    whole input has been read: a file that breaks half-way leaves no output
    that looks complete.
    """
    output = Path(args.output)
    rejected_path = Path(args.rejected) if args.rejected else output.with_name(output.stem + ".rejected.csv")
    _refuse_same_paths({"the input": Path(args.input), "-o": output, "--rejected": rejected_path})
    if (args.id or args.list) and not args.record:
        raise UserError("--id and --list need --record (remember the scored leads in the store)")
    partial = {path: path.with_name(path.name + ".partial") for path in (output, rejected_path)}
    try:
        counts = _score_in_chunks(args, partial[output], partial[rejected_path])
    except BaseException:
        for path in partial.values():
            path.unlink(missing_ok=True)
        raise
    partial[output].replace(output)
    if counts["rejected"]:
        partial[rejected_path].replace(rejected_path)
    else:
        partial[rejected_path].unlink()
        rejected_path.unlink(missing_ok=True)  # an old one from an earlier run would mislead
    if counts["scored"]:
        print("tiers: " + ", ".join(f"{tier} {counts[tier]:,}" for tier in TIERS), file=sys.stderr)
    summary = (f"{counts['read']} rows read, {counts['scored']} scored -> {output}, "
               f"{counts['rejected']} rejected")
    print(summary + (f" -> {rejected_path}" if counts["rejected"] else ""), file=sys.stderr)
    if args.record:
        print(f"{counts['scored']} scored leads recorded" + (f" in list '{args.list}'" if args.list else ""),
              file=sys.stderr)


def _refuse_same_paths(paths: dict[str, Path]) -> None:
    """UserError when two of the files would be the same file (writing one would destroy the other)."""
    seen: dict[Path, str] = {}
    for role, path in paths.items():
        resolved = path.resolve()
        if resolved in seen:
            raise UserError(f"{role} and {seen[resolved]} are the same file ({path}); choose another name")
        seen[resolved] = role


def _score_in_chunks(args: argparse.Namespace, output: Path, rejected: Path) -> dict[str, int]:
    counts = {"read": 0, "scored": 0, "rejected": 0, **dict.fromkeys(TIERS, 0)}
    # Rows with more or fewer cells than the header: rejected with their line, never scored.
    ragged: list[tuple[int, str, str, str]] = []
    with csvio.open_table(args.input, chunk_rows=args.chunk_rows, rejected=ragged) as chunks:
        # The file's header is read first: a missing or unreadable file is reported before an empty
        # registry trains its default model (a minute on a busy machine).
        scorer = Scorer(_registry(args).load_or_train_default())
        store = _open_store(args) if args.record else None
        if store is not None and scorer.metadata.get("drift_reference"):
            store.keep_drift_reference(scorer.version, scorer.metadata["drift_reference"])
        first = True
        for chunk in chunks:
            start = int(chunk.index[0]) + 1 if len(chunk) else counts["read"] + 1
            batch = scorer.score(chunk, explain=args.explain, first_row=start)
            problems = batch.problems
            if ragged:
                problems = pd.concat([pd.DataFrame(ragged, columns=problems.columns), problems], ignore_index=True)
                counts["read"] += len(ragged)
                counts["rejected"] += len(ragged)
                ragged.clear()
            scored = export.reading_order(batch.scored, id_column=scorer.schema.id_column)
            export.append_safe_csv(scored, output, first)
            export.append_safe_csv(problems, rejected, first)
            first = False
            if store is not None:
                _record(store, batch, scorer, args)
            counts["read"] += batch.rows_read
            counts["scored"] += len(batch.scored)
            counts["rejected"] += batch.rejected_rows
            for tier, leads in batch.scored["tier"].value_counts().items():
                counts[str(tier)] += int(leads)
        if ragged:  # rejected rows after the last chunk
            export.append_safe_csv(pd.DataFrame(ragged, columns=list(REJECTION_COLUMNS)), rejected, first)
            counts["read"] += len(ragged)
            counts["rejected"] += len(ragged)
    if counts["read"] == 0:
        raise UserError(f"{args.input}: has a header but no rows")
    assert counts["read"] == counts["scored"] + counts["rejected"]
    return counts


def _open_store(args: argparse.Namespace) -> Store:
    from leadscore.store import Store, StoreUnavailableError

    try:
        return Store.open(models_dir=args.models_dir)
    except StoreUnavailableError as error:
        raise UserError(str(error)) from error


def _record(store: Store, batch: ScoredBatch, scorer: Scorer, args: argparse.Namespace) -> None:
    """Record a scored chunk, its fields under the model's own names (a file may spell them its own way)."""
    from leadscore.store import RecordError

    as_fields = {header: name for name, header in batch.match.headers.items() if header != name}
    try:
        store.record(batch.scored.rename(columns=as_fields), scorer.version, list_name=args.list,
                     id_column=as_fields.get(args.id, args.id) if args.id else None)
    except RecordError as error:
        raise UserError(f"{args.input}: {error}; nothing more was recorded") from error


def cmd_outcomes(args: argparse.Namespace) -> None:
    """Take a CRM's won/lost export back: outcomes of scored leads, the latest winning; unknown IDs reported."""
    from leadscore.store import read_outcomes

    frame = csvio.read_table(args.file)
    rows = read_outcomes(frame, args.id, args.outcome, positive=args.positive, negative=args.negative,
                         at_column=args.at)
    store = _open_store(args)
    try:
        report = store.import_outcomes(rows, source=Path(args.file).name)
    finally:
        store.close()
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.sentence())


def _date(value: str) -> datetime:
    """A date (2026-05-31) or a moment (2026-05-31T14:00), read as UTC unless it names its zone."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date such as 2026-05-31") from error
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _until(value: str) -> datetime:
    """The end of the period, exclusive: a plain date means up to the end of that day."""
    moment = _date(value)
    return moment + timedelta(days=1) if len(value.strip()) <= 10 else moment


def cmd_report(args: argparse.Namespace) -> None:
    """Each tier's promise against what happened, ranking, drift; or one lead's score history (--lead)."""
    store = _open_store(args)
    try:
        if args.lead:
            history = store.history(args.lead)
            if not history:
                raise UserError(f"lead {args.lead!r} was never recorded")
            print(json.dumps(history, indent=2) if args.json else "\n".join(
                f"{h['scored_at']}  model {h['model_version']}  {h['tier']:<6}  chance {h['chance']:.1%}"
                + (f"  list {h['list']}" if h["list"] else "") for h in history))
            return
        report = store.report(since=args.since, until=args.until, model=args.model, list_name=args.list, by=args.by)
    finally:
        store.close()
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(format_results(report))


def format_results(report: dict) -> str:
    """The results report as a short table for a terminal."""
    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1%}"

    lines = [f"{report['leads']:,} scored leads",
             f"{'tier':<8}{'scored':>9}{'outcome':>9}{'converted':>10}{'rate':>8}{'95% interval':>17}{'expected':>10}"]
    for tier, row in report["tiers"].items():
        interval = f"{pct(row['interval'][0])}-{pct(row['interval'][1])}" if row["interval"] else "n/a"
        lines.append(f"{tier:<8}{row['scored']:>9,}{row['with_outcome']:>9,}{row['converted']:>10,}"
                     f"{pct(row['rate']):>8}{interval:>17}{pct(row['expected']):>10}")
    for value in report.get("by", {}).get("values", []):
        lines.append(f"  {report['by']['column']} = {value['value']}: " + ", ".join(
            f"{tier} {row['converted']:,}/{row['with_outcome']:,} converted ({pct(row['rate'])}, expected "
            f"{pct(row['expected'])})" for tier, row in value["tiers"].items()))
    ranking = report["ranking"]
    lines.append(f"ranking: ROC AUC {ranking['auc']:.3f} on {ranking['leads']:,} leads with an outcome"
                 if ranking["auc"] is not None else
                 f"ranking: not measurable ({ranking['leads']:,} leads with an outcome, both kinds needed)")
    about = report["drift_about"]
    if not about["available"]:
        lines.append(f"drift: unavailable: {about['reason']}")
    else:
        lines.append(f"drift against model {about['model_version']}'s training leads ({about['leads']:,} leads; "
                     f"judged from {about['min_leads']}):")
        lines.extend(f"  {d['field'][:30]:<30} PSI {d['psi'] if d['psi'] is not None else 'n/a':>7}  {d['status']}"
                     for d in report["drift"])
    lines.extend(f"note: {note}" for note in report["notes"])
    return "\n".join(lines)


def cmd_evaluate(args: argparse.Namespace) -> None:
    """Evaluate the active model on labeled data (default: fresh synthetic leads)."""

    scorer = Scorer(_registry(args).load_or_train_default())
    _EVALUATIONS[type(scorer.model.target)](args, scorer)


def _evaluate_tiers(args: argparse.Namespace, scorer: Scorer) -> None:
    """The built-in model on labeled leads with a 'tier' column (default: fresh synthetic leads)."""
    from leadscore.modeling.evaluate import evaluate_probabilities

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
    from leadscore.modeling.outcome import outcome_metrics

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
    closed = frame.loc[labels >= 0].reset_index(drop=True)
    batch = scorer.score(closed, explain=False)
    y = labels[labels >= 0][batch.scored.index.to_numpy() - 1]
    if len(set(y.tolist())) < 2:
        raise UserError(f"{args.data}: the scored closed leads must include converted and not converted ones")
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


def cmd_serve(args: argparse.Namespace) -> None:
    """Start the REST API on the active model; it follows newly published models without a restart."""
    from leadscore.api import app as api  # the web stack only for this command

    if args.workers < 1:
        raise UserError("--workers must be at least 1")
    api.serve(host=args.host, port=args.port, models_dir=args.models_dir, workers=args.workers,
              log_level="DEBUG" if args.verbose else "INFO")


def cmd_models_list(args: argparse.Namespace) -> None:
    """Print every version: id, active or not, when trained, accuracy, signed or not, ok or damaged with the reason."""
    registry = _registry(args)
    rows = registry.versions()
    if not rows:
        raise UserError(f"{registry.root}: no model versions yet; run `leadscore train`")
    for row in rows:
        if row.kind == "outcome":
            quality = f"AUC {row.auc:.3f}" if row.auc is not None else "AUC unknown"
            what = f"CRM: {row.target}"
        else:
            quality = f"accuracy {row.accuracy:.3f}" if row.accuracy is not None else "accuracy unknown"
            what = "built-in"
        print(f"{row.version}  {'active' if row.active else '-':<6}  {row.created_at or 'unknown':<25}  "
              f"{what[:24]:<24}  {quality:<16}  {row.signature or '-':<19}  {row.state}  \"{row.name}\""
              + (f" ({row.change})" if row.change else ""))


def cmd_models_rename(args: argparse.Namespace) -> None:
    """Give a version a name a manager reads; its files stay as published, so it still loads."""
    try:
        name = _registry(args).rename(args.version, args.name)
    except VersionNameError as error:
        raise UserError(str(error)) from error
    print(f"version {args.version} is now called \"{name}\"")


def cmd_models_activate(args: argparse.Namespace) -> None:
    """Make a version active (``builtin``: the built-in model); a damaged version is refused with the reason."""
    registry = _registry(args)
    if args.version == "builtin":
        print(f"the built-in model (version {registry.activate_builtin(source='command line')}) is now active")
        return
    registry.activate(args.version, source="command line")
    print(f"version {args.version} is now active")


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


def _file_name(value: str) -> str:
    """A file or folder argument: refuse an empty name, which would otherwise fail later without naming it."""
    if not value.strip():
        raise argparse.ArgumentTypeError("the file name is empty")
    return value


def _os_error(error: OSError) -> str:
    """An operating-system error in one line, naming the file when the error knows it."""
    reason = error.strerror or str(error)
    return f"{error.filename}: {reason}" if error.filename else reason


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per pipeline stage."""
    parser = argparse.ArgumentParser(prog="leadscore", description=DESCRIPTION,
                                     epilog=EPILOG.replace("%", "%%"))
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    common = argparse.ArgumentParser(add_help=False)
    default_dir = str(DEFAULT_MODELS_DIR).replace("%", "%%")
    common.add_argument("--models-dir", type=_file_name,
                        help=f"model registry folder (default: ${ENV_MODELS_DIR} if set, else {default_dir})")
    commands = parser.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")

    gen = commands.add_parser("generate", parents=[common], help="write synthetic leads to a CSV")
    gen.add_argument("-n", type=int, default=10_000, help="number of leads (default 10000)")
    gen.add_argument("--seed", type=int, default=42,
                     help="data variant: which set of synthetic leads; the same number gives the same leads "
                          "(default 42)")
    gen.add_argument("-o", "--output", required=True, type=_file_name, help="CSV file to write")
    gen.set_defaults(handler=cmd_generate)

    tr = commands.add_parser(
        "train", parents=[common], help="train a model and make it active",
        description="Train the built-in kind of model (synthetic leads, or a CSV with a 'tier' column), or, with "
                    "--target, a model of your own CRM history: any columns, a won/lost outcome column. The CRM "
                    "file is read as the CRM wrote it; column roles are inferred, fields that give the outcome away "
                    "are left out (and listed), and the model is tested on the most recent 20% of leads.")
    tr.add_argument("--data", type=_file_name,
                    help="labeled CSV: a CRM export with --target, else one with a 'tier' column "
                         "(default: synthetic leads)")
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
                    help="publish even if the new model is less accurate than the active one on the reference leads")
    tr.add_argument("--from-results", action="store_true",
                    help="train a model of your own outcomes on the recorded leads whose outcome is known "
                         "(leadscore score --record, then leadscore outcomes)")
    tr.add_argument("--target-name", default="converted",
                    help="with --from-results: the name of the outcome column in the model (default converted)")
    tr.set_defaults(handler=cmd_train)

    sc = commands.add_parser("score", parents=[common], help="score a CSV of leads")
    sc.add_argument("input", type=_file_name, help="CSV of leads (comma, semicolon or tab separated)")
    sc.add_argument("-o", "--output", required=True, type=_file_name, help="CSV file for the scored leads")
    sc.add_argument("--rejected", type=_file_name,
                    help="CSV for rejected rows (default: OUTPUT without its extension + .rejected.csv, "
                         "e.g. scored.rejected.csv)")
    sc.add_argument("--explain", action="store_true", help="add reason_1..3 in plain words")
    sc.add_argument("--chunk-rows", type=int, default=50_000, help="rows read at a time (default 50000)")
    sc.add_argument("--record", action="store_true",
                    help="remember the scored leads in the store (default: beside the registry; "
                         "$LEADSCORE_DATABASE_URL for another database)")
    sc.add_argument("--id", metavar="COLUMN", help="with --record: the lead ID column (default: a hash of the fields)")
    sc.add_argument("--list", metavar="NAME", help="with --record: save the scored leads as a named list")
    sc.set_defaults(handler=cmd_score)

    oc = commands.add_parser(
        "outcomes", parents=[common], help="take the real outcomes (won/lost) of scored leads back",
        description="Read a CRM export with the lead ID and the won/lost column. Won values are named with "
                    "--positive or inferred; with --negative only those values mean lost and other values are "
                    "still open. Importing the same file twice counts nothing twice; a changed outcome: the "
                    "latest wins and it is reported; IDs never scored are reported, not stored.")
    oc.add_argument("file", type=_file_name, help="CSV with the lead ID and outcome columns")
    oc.add_argument("--id", required=True, metavar="COLUMN", help="the lead ID column (as given to score --id)")
    oc.add_argument("--outcome", required=True, metavar="COLUMN", help="the won/lost column")
    oc.add_argument("--positive", nargs="+", metavar="VALUE", help="values that mean converted (default: inferred)")
    oc.add_argument("--negative", nargs="+", metavar="VALUE",
                    help="values that mean not converted (default: every other filled value)")
    oc.add_argument("--at", metavar="COLUMN", help="the column saying when the outcome was known (default: now)")
    oc.add_argument("--json", action="store_true", help="print the counts as JSON")
    oc.set_defaults(handler=cmd_outcomes)

    rp = commands.add_parser(
        "report", parents=[common], help="each tier's real conversion against its promise, ranking, drift",
        description="Results of the recorded leads: per tier scored, with an outcome, converted, the rate with a "
                    "95%% Wilson interval and the expected (promised) rate; the ROC AUC and gain chart on leads "
                    "with an outcome; drift (PSI) of the fields and the score against the model's training leads.")
    rp.add_argument("--json", action="store_true", help="print the report as JSON")
    rp.add_argument("--since", type=_date, metavar="DATE", help="leads scored on or after DATE (UTC)")
    rp.add_argument("--until", type=_until, metavar="DATE", help="leads scored up to DATE (a date: that whole day)")
    rp.add_argument("--model", metavar="VERSION", help="only leads scored by this model version")
    rp.add_argument("--list", metavar="NAME", help="only leads of this saved list")
    rp.add_argument("--by", metavar="COLUMN", help="break the tiers down by this input column (owner, source...)")
    rp.add_argument("--lead", metavar="ID", help="print one lead's score history instead")
    rp.set_defaults(handler=cmd_report)

    ev = commands.add_parser("evaluate", parents=[common], help="evaluate the active model")
    ev.add_argument("--data", type=_file_name,
                    help="labeled CSV: with a 'tier' column for the built-in model (default: fresh synthetic "
                         "leads), or closed leads with the outcome column for a model of your CRM history")
    ev.add_argument("-n", type=int, default=20_000, help="synthetic leads when no --data (default 20000)")
    ev.add_argument("--seed", type=int, default=2024,
                    help="data variant of the synthetic leads (default 2024, not the one trained on)")
    ev.add_argument("--json", action="store_true", help="print the full report as JSON")
    ev.set_defaults(handler=cmd_evaluate)

    md = commands.add_parser("models", help="list model versions, or make one active")
    model_commands = md.add_subparsers(dest="models_command", required=True)
    ml = model_commands.add_parser("list", parents=[common], help="every version, active or not, ok or damaged")
    ml.set_defaults(handler=cmd_models_list)
    ma = model_commands.add_parser("activate", parents=[common], help="make a version active (refuses a damaged one)")
    ma.add_argument("version", help="version id, as `leadscore models list` prints it, or 'builtin' for the "
                                 "built-in model (its newest good version, trained if there is none)")
    ma.set_defaults(handler=cmd_models_activate)
    mr = model_commands.add_parser("rename", parents=[common], help="give a version a name a manager reads")
    mr.add_argument("version", help="version id, as `leadscore models list` prints it")
    mr.add_argument("name", help=f"the new name (one line, at most {MAX_NAME} characters)")
    mr.set_defaults(handler=cmd_models_rename)

    sv = commands.add_parser("serve", parents=[common], help="start the REST API (docs/api.md)")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sv.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    sv.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    sv.set_defaults(handler=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        args.handler(args)
    except (UserError, SchemaError, ModelFileError, csvio.TableError, OutcomeError) as error:
        print(f"leadscore {args.command}: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"leadscore {args.command}: {_os_error(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
