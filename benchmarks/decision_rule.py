"""The decision rule on leads nobody tuned on: docs/model-card.md's "Decision rule" table.

    python benchmarks/decision_rule.py [--train-seed 42] [--seeds 101 202 303]

Trains the shipped way (``train.train`` on 10,000 synthetic leads of the
default seed: stratified 80/20 split, the threshold chosen out of fold on the
80%), then scores 20,000 fresh leads of each evaluation seed and prints, per
seed, accuracy, the Bayes accuracy (the ceiling), the gap, High recall and
High precision as a markdown table, with the targets checked.
"""

from __future__ import annotations

import argparse

from leadscore.data import synth
from leadscore.fields.builtin import BUILTIN_SCHEMA, CLASSES
from leadscore.modeling import train
from leadscore.modeling.evaluate import evaluate_probabilities

HELD_OUT_ROWS = 20_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-seed", type=int, default=train.DEFAULT_SEED)
    parser.add_argument("--seeds", type=int, nargs="+", default=[101, 202, 303])
    args = parser.parse_args()
    result = train.train(synth.generate(train.DEFAULT_ROWS, seed=args.train_seed), with_baselines=False)
    model = result.model
    rule = model.metadata["decision_rule"]
    print(f"Trained on {train.DEFAULT_ROWS:,} leads (seed {args.train_seed}); High threshold "
          f"{model.high_threshold:.3f} (out of fold: accuracy {rule['out_of_fold_accuracy']:.3f}, High recall "
          f"{rule['out_of_fold_high_recall']:.3f}, safety margin {rule['recall_margin']:.3f})\n")
    print("| held-out seed | accuracy | Bayes accuracy | gap (points) | High recall | High precision | targets |")
    print("|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        leads = synth.generate(HELD_OUT_ROWS, seed=seed)
        probabilities = model.predict_proba(BUILTIN_SCHEMA.codes(BUILTIN_SCHEMA.parse(leads).matrix))
        report = evaluate_probabilities(probabilities, model.decide(probabilities),
                                        leads["tier"].map(CLASSES.index).to_numpy(), synth.truth_columns(leads))
        gap = 100 * (report["bayes_accuracy"] - report["accuracy"])
        recall, precision = report["High"]["recall"], report["High"]["precision"]
        met = gap <= 1.0 and recall >= 0.82 and precision >= 0.75
        print(f"| {seed} | {report['accuracy']:.3f} | {report['bayes_accuracy']:.3f} | {gap:.1f} | "
              f"{recall:.3f} | {precision:.3f} | {'✓' if met else '✗'} |")


if __name__ == "__main__":
    main()
