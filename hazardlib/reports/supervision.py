"""Classified supervision (分类监管) counted per county: enterprises under key or special supervision at
the as-of date, as the governance engine classes them (:func:`hazardlib.rules.supervision.supervision_classes`)."""

from __future__ import annotations

import pandas as pd

from ..rules.supervision import supervision_classes
from ..store import Store
from .common import Scope


def supervision_counts(store: Store, scope: Scope) -> pd.DataFrame:
    """``key_supervision`` and ``special_supervision`` per county (enterprises, each in one class)."""
    classes = supervision_classes(store, scope.as_of, scope.county)
    classes = classes[classes["county_code"].isin(scope.codes)]
    counts = pd.crosstab(classes["county_code"], classes["class"])
    out = pd.DataFrame(index=pd.Index(scope.codes, name="county_code"))
    for cls in ("key", "special"):
        out[f"{cls}_supervision"] = counts.get(cls, 0)
    return out.fillna(0).astype("int64")
