"""Class probabilities of a fitted linear classifier, as plain array arithmetic.

``CalibratedClassifierCV.predict_proba`` validates its input a dozen times per
call (``check_array``, output-format wrappers): about 15 ms for one page, more
than the model's arithmetic on a whole batch. The coefficients of every
calibration fold are stacked into one matrix, so a batch costs one sparse
product, then the sigmoid calibration and the averaging scikit-learn does.
Supported: ``LogisticRegression``, and ``CalibratedClassifierCV(method="sigmoid")``
around it or around ``LinearSVC``, the shapes ``classifier.model.build_pipeline``
makes. Both estimators' ``decision_function`` is ``X @ coef_.T + intercept_``, one
column per class (multinomial or one-vs-rest alike, in ``classes_`` order) or a
single column for ``classes_[1]`` when binary; calibration only sees those columns.
A bare ``LinearSVC`` has no probabilities and is refused.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.special import expit, softmax
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

__all__ = ["LinearHead"]


class _Fold:
    """One calibrated classifier: its columns of the stacked matrix and per-class sigmoids."""

    def __init__(self, first: int, n_out: int, targets: np.ndarray, a: np.ndarray, b: np.ndarray):
        self.cols = slice(first, first + n_out)
        self.targets = targets  # class index each decision column calibrates
        self.a = a
        self.b = b


class LinearHead:
    """``predict_proba`` of a fitted classifier, for CSR or dense rows, without validation."""

    def __init__(self, classifier: LogisticRegression | CalibratedClassifierCV) -> None:
        self.classes_ = np.asarray(classifier.classes_)
        n_classes = len(self.classes_)
        if isinstance(classifier, LogisticRegression):
            self._folds: list[_Fold] | None = None
            estimators = [classifier]
        elif isinstance(classifier, CalibratedClassifierCV) and classifier.method == "sigmoid":
            self._folds = []
            estimators = []
            first = 0
            for calibrated in classifier.calibrated_classifiers_:
                est = calibrated.estimator
                if not isinstance(est, LogisticRegression | LinearSVC):
                    raise ValueError(f"unsupported calibrated estimator {type(est).__name__}")
                n_out = est.coef_.shape[0]
                if n_out != len(calibrated.calibrators):
                    raise ValueError("a calibrator per decision column expected")
                # As scikit-learn pairs them: decision column k calibrates est.classes_[k].
                # A fold that saw two of three classes has one column, for its first class.
                targets = np.searchsorted(self.classes_, est.classes_)[:n_out]
                if n_classes == 2:
                    targets = np.array([1])  # binary: the one column is classes_[1]
                a = np.array([c.a_ for c in calibrated.calibrators], dtype=np.float64)
                b = np.array([c.b_ for c in calibrated.calibrators], dtype=np.float64)
                self._folds.append(_Fold(first, n_out, targets, a, b))
                estimators.append(est)
                first += n_out
        else:
            raise ValueError(f"unsupported classifier {type(classifier).__name__}")
        every_class = np.array([1]) if n_classes == 2 else np.arange(n_classes)
        self._complete = self._folds is not None and all(
            np.array_equal(f.targets, every_class) for f in self._folds
        )
        if self._folds:
            self._a = np.concatenate([f.a for f in self._folds])
            self._b = np.concatenate([f.b for f in self._folds])
        self._coef = np.ascontiguousarray(np.vstack([e.coef_ for e in estimators]).T)
        self._intercept = np.concatenate([np.ravel(e.intercept_) for e in estimators])
        self.n_features = self._coef.shape[0]

    def decisions(self, x) -> np.ndarray:
        """``decision_function`` of every stacked estimator, side by side (n_rows, n_outputs)."""
        if sparse.issparse(x):
            z = np.asarray(x @ self._coef)
        else:
            z = np.asarray(x, dtype=np.float64) @ self._coef
        return z + self._intercept

    def predict_proba(self, x) -> np.ndarray:
        z = self.decisions(x)
        n_rows, n_classes = z.shape[0], len(self.classes_)
        if self._folds is None:  # plain LogisticRegression
            if n_classes == 2:
                p = expit(z[:, 0])
                return np.stack([1 - p, p], axis=1)
            return softmax(z, axis=1)
        if self._complete:  # every fold calibrates every class: all folds at once
            return self._all_folds(z, n_rows, n_classes)
        mean = np.zeros((n_rows, n_classes))
        for fold in self._folds:
            proba = np.zeros((n_rows, n_classes))
            proba[:, fold.targets] = expit(-(fold.a * z[:, fold.cols] + fold.b))
            if n_classes == 2:
                proba[:, 0] = 1.0 - proba[:, 1]
            else:
                total = proba.sum(axis=1)[:, np.newaxis]
                proba = np.divide(
                    proba, total, out=np.full_like(proba, 1 / n_classes), where=total != 0
                )
            proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0  # as sklearn clips
            mean += proba
        mean /= len(self._folds)
        return mean

    def _all_folds(self, z: np.ndarray, n_rows: int, n_classes: int) -> np.ndarray:
        """The per-fold loop of ``predict_proba`` as whole-array steps (same operations)."""
        n_folds = len(self._folds)
        p = expit(-(self._a * z + self._b))
        if n_classes == 2:
            p = np.stack([1.0 - p, p], axis=2)  # (rows, folds, 2)
        else:
            p = p.reshape(n_rows, n_folds, n_classes)
            total = p.sum(axis=2, keepdims=True)
            p = np.divide(p, total, out=np.full_like(p, 1 / n_classes), where=total != 0)
        p[(p > 1.0) & (p <= 1.0 + 1e-5)] = 1.0
        return p.sum(axis=1) / n_folds
