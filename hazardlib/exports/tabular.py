"""JSON for machines and CSV for spreadsheets.

JSON is a list of row objects keyed by the report's column keys (codes as strings, dates as ISO text,
a missing value as ``null``); a summary is one object. CSV has the form's Chinese headers, is UTF-8 with
a byte-order mark so that Excel reads the Chinese, and its text is neutralised like the xlsx cells.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .safety import FORMULA_STARTS, QUOTE
from .xlsx import Column

CHUNK = 20_000


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def write_json_rows(frame: pd.DataFrame, path: str | Path) -> Path:
    """``frame`` as a JSON list of row objects, written in chunks (a large ledger never sits in memory
    twice)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    columns = list(frame.columns)
    with open(target, "w", encoding="utf-8") as out:
        out.write("[")
        first = True
        for start in range(0, len(frame), CHUNK):
            for values in frame.iloc[start : start + CHUNK].itertuples(index=False, name=None):
                row = {k: _plain(v) for k, v in zip(columns, values, strict=True)}
                out.write(("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False))
                first = False
        out.write("\n]\n")
    return target


def write_json_object(data: Any, path: str | Path) -> Path:
    """One JSON object (a summary's figures)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=_plain) + "\n", encoding="utf-8")
    return target


def neutralise_column(series: pd.Series) -> pd.Series:
    """Every text value that a spreadsheet could read as a formula, prefixed with a quote."""
    text = series.astype("string")
    risky = text.str.startswith(FORMULA_STARTS).fillna(False).astype(bool)
    return series.where(~risky, QUOTE + text).astype(object)


def write_csv(frame: pd.DataFrame, columns: Sequence[Column], path: str | Path) -> Path:
    """``frame`` as CSV with the form's headers, in the form's column order."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    out = frame.reindex(columns=[c.key for c in columns])
    for col in columns:
        if col.kind in ("text", "code"):
            out[col.key] = neutralise_column(out[col.key])
    out.columns = [c.header for c in columns]
    # CRLF rows: the csv module then quotes any field holding a CR or LF, so no text breaks a row.
    out.to_csv(target, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d", lineterminator="\r\n")
    return target
