"""Counting rows of a report per county, to try another definition of a figure and set it beside the
official one (notebook 6): the staff member writes the condition, these functions do the bookkeeping.
"""

from __future__ import annotations

import pandas as pd

from ..regions import load_regions
from ..reports import labels
from ..store import PREFECTURE_CODE

MESSAGES = {
    "length": "条件有 {got} 行，表有 {want} 行：请用同一张表构造条件，如 led['state'] == 'closed'",
    "figure": "成果清单中没有“{figure}”这一列",
}


def tally(
    frame: pd.DataFrame, where: pd.Series | None = None, *, county_column: str = "county_code"
) -> pd.Series:
    """The number of rows of ``frame`` (those where ``where`` is True) per county: every county in code
    order, 0 where none, then the prefecture total ("522700"). Counties are read from ``county_column``.

    Raises ValueError when ``where`` is not a condition on ``frame`` itself.
    """
    rows = frame
    if where is not None:
        if len(where) != len(frame):
            raise ValueError(MESSAGES["length"].format(got=len(where), want=len(frame)))
        rows = frame[where.to_numpy(dtype=bool)]
    codes = [c.code for c in load_regions().counties]
    counts = rows[county_column].astype(str).value_counts().reindex(codes, fill_value=0).astype("int64")
    counts.loc[PREFECTURE_CODE] = int(counts.sum())
    counts.index.name = "county_code"
    return counts


def compare(results: pd.DataFrame, figure: str, adjusted: pd.Series, name: str = "adjusted") -> pd.DataFrame:
    """The official ``figure`` of a results list (:func:`hazardlib.reports.results_list`) beside an
    ``adjusted`` count per county (from :func:`tally`), with the difference (adjusted − official).

    Columns: county_code, county_name, ``figure``, ``name``, difference; the rows of ``results``.
    """
    if figure not in results.columns:
        raise KeyError(MESSAGES["figure"].format(figure=figure))
    out = results[["county_code", figure]].copy()
    out[name] = out["county_code"].map(adjusted).fillna(0).astype("int64")
    out["difference"] = out[name] - out[figure]
    out.insert(1, "county_name", labels.county(out["county_code"]))
    return out.reset_index(drop=True)
