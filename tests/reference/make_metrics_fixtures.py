"""Reference values for wick::metrics, computed with NumPy using
scikit-learn's definitions (sklearn itself is not installed here):

  accuracy_score, confusion_matrix (rows = true class),
  precision_recall_fscore_support(zero_division=0) per class and with
  average="macro" / "weighted" over labels=range(C),
  mean_squared_error, mean_absolute_error, r2_score (multioutput=
  "uniform_average", force_finite=True).

Writes tests/data/metrics/*.npy (np.save). Run with /usr/bin/python3.
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "metrics")


def save(name, a):
    np.save(os.path.join(OUT, name + ".npy"), a)


def prf(cm):
    tp = np.diag(cm).astype(np.float64)
    pred_count = cm.sum(axis=0).astype(np.float64)
    true_count = cm.sum(axis=1).astype(np.float64)
    fp, fn = pred_count - tp, true_count - tp
    # zero_division=0: 0 wherever the denominator is 0.
    precision = np.divide(tp, pred_count, out=np.zeros_like(tp), where=pred_count > 0)
    recall = np.divide(tp, true_count, out=np.zeros_like(tp), where=true_count > 0)
    den = 2 * tp + fp + fn
    f1 = np.divide(2 * tp, den, out=np.zeros_like(tp), where=den > 0)
    w = true_count / true_count.sum()
    macro = np.array([precision.mean(), recall.mean(), f1.mean()])
    weighted = np.array([np.sum(w * precision), np.sum(w * recall), np.sum(w * f1)])
    return precision, recall, f1, true_count.astype(np.int64), macro, weighted


def r2(pred, target):
    pred = pred.reshape(len(pred), -1)
    target = target.reshape(len(target), -1)
    ss_res = ((target - pred) ** 2).sum(axis=0)
    ss_tot = ((target - target.mean(axis=0)) ** 2).sum(axis=0)
    scores = np.where(ss_tot != 0, 1 - ss_res / np.where(ss_tot != 0, ss_tot, 1), np.where(ss_res == 0, 1.0, 0.0))
    return scores.mean()


def classification(rng):
    n, c = 300, 6
    targets = rng.integers(0, 5, size=n)  # class 5 never occurs as a target
    logits = rng.standard_normal((n, c)).astype(np.float32)
    logits[targets == 1, 1] += 1.5  # class 1 is usually right
    logits[:, 4] -= 4.0  # class 4 is (almost) never predicted
    logits[:, 5] -= 10.0  # class 5 never predicted: zero division everywhere
    # Exact ties in the first rows: argmax takes the first maximum.
    logits[:4] = np.round(logits[:4])
    logits[0, :] = 1.0
    logits[1, 2] = logits[1, 3] = 9.0
    pred = np.argmax(logits, axis=1)
    cm = np.zeros((c, c), dtype=np.int64)
    np.add.at(cm, (targets, pred), 1)
    save("cls_logits", logits)
    save("cls_targets", targets.astype(np.int64))
    save("cls_accuracy", np.array(np.mean(pred == targets), dtype=np.float64))
    save("cls_confusion", cm)
    p, r, f, support, macro, weighted = prf(cm)
    save("cls_precision", p)
    save("cls_recall", r)
    save("cls_f1", f)
    save("cls_support", support)
    save("cls_macro", macro)
    save("cls_weighted", weighted)


def regression(rng):
    x = rng.standard_normal(200)
    target = 3.0 * x - 1.0 + 0.5 * rng.standard_normal(200)
    pred = (2.8 * x - 0.9).astype(np.float32)
    save("reg_pred", pred)
    save("reg_target", target)
    p64 = pred.astype(np.float64)
    save("reg_expected", np.array([np.mean((p64 - target) ** 2), np.mean(np.abs(p64 - target)), r2(p64, target)]))
    # Multi-output, one column with a constant target predicted exactly and
    # one with a constant target predicted wrongly (force_finite: 1 and 0).
    t2 = rng.standard_normal((50, 4))
    p2 = t2 + 0.3 * rng.standard_normal((50, 4))
    t2[:, 2] = 7.0
    p2[:, 2] = 7.0
    t2[:, 3] = -1.0
    save("reg2_pred", p2)
    save("reg2_target", t2)
    save("reg2_expected", np.array([np.mean((p2 - t2) ** 2), np.mean(np.abs(p2 - t2)), r2(p2, t2)]))


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(2024)
    classification(rng)
    regression(rng)


if __name__ == "__main__":
    main()
