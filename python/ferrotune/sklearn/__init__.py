"""scikit-learn drop-ins: hyperparameter searches with cross-validation driven by ferrotune.

Install with ``pip install "ferrotune[sklearn]"``.

>>> from sklearn.datasets import load_iris  # doctest: +SKIP
>>> from sklearn.svm import SVC  # doctest: +SKIP
>>> from scipy.stats import loguniform  # doctest: +SKIP
>>> from ferrotune.sklearn import SearchCV  # doctest: +SKIP
>>> search = SearchCV(SVC(), {"C": loguniform(1e-2, 1e2), "kernel": ["rbf", "linear"]}, n_trials=20)  # doctest: +SKIP
>>> search.fit(*load_iris(return_X_y=True)).best_params_  # doctest: +SKIP
"""

from __future__ import annotations

try:
    import scipy as _scipy  # noqa: F401
    import sklearn as _sklearn  # noqa: F401
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError('ferrotune.sklearn needs scikit-learn and scipy: pip install "ferrotune[sklearn]"') from e

from ferrotune.sklearn._halving import Halving
from ferrotune.sklearn._halving_lookalikes import HalvingGridSearchCV, HalvingRandomSearchCV
from ferrotune.sklearn._lookalikes import GridSearchCV, RandomizedSearchCV
from ferrotune.sklearn._search import SearchCV

__all__ = ["GridSearchCV", "RandomizedSearchCV", "SearchCV"]
__all__ += ["Halving", "HalvingGridSearchCV", "HalvingRandomSearchCV"]
