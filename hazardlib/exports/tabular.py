"""JSON for machines and CSV for spreadsheets.

JSON is a list of row objects keyed by the report's column keys (codes as strings, dates as ISO text,
a missing value as ``null``); a summary is one object. CSV has the form's Chinese headers, is UTF-8 with
a byte-order mark so that Excel reads the Chinese, and its text is neutralised like the xlsx cells.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .cell_guard import FORMULA_STARTS, QUOTE
from .xlsx import Column

CHUNK = 20_000


def json_value(value: Any) -> Any:
    """A cell's value as JSON writes it: None for every kind of missing, dates as ISO text, numpy scalars as Python."""
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


def _frames(rows: pd.DataFrame | Iterable[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    if isinstance(rows, pd.DataFrame):
        for start in range(0, max(len(rows), 1), CHUNK):
            yield rows.iloc[start : start + CHUNK]
    else:
        yield from rows


def write_json_rows(rows: pd.DataFrame | Iterable[pd.DataFrame], path: str | Path) -> Path:
    """``rows`` (a frame, or frames read one at a time) as a JSON list of row objects, written as they
    come: a long ledger is never held in memory as JSON."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", encoding="utf-8") as out:
        out.write("[")
        first = True
        for frame in _frames(rows):
            columns = list(frame.columns)
            for values in frame.itertuples(index=False, name=None):
                row = {k: json_value(v) for k, v in zip(columns, values, strict=True)}
                out.write(("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False))
                first = False
        out.write("\n]\n")
    return target


def write_json_object(data: Any, path: str | Path) -> Path:
    """One JSON object (a summary's figures)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, default=json_value) + "\n", encoding="utf-8"
    )
    return target


def neutralise_column(series: pd.Series) -> pd.Series:
    """Every text value that a spreadsheet could read as a formula, prefixed with a quote."""
    text = series.astype("string")
    risky = text.str.startswith(FORMULA_STARTS).fillna(False).astype(bool)
    return series.where(~risky, QUOTE + text).astype(object)


def write_csv(
    rows: pd.DataFrame | Iterable[pd.DataFrame], columns: Sequence[Column], path: str | Path
) -> Path:
    """``rows`` (a frame, or frames read one at a time) as CSV with the form's headers, in the form's
    column order, written chunk by chunk."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", encoding="utf-8-sig", newline="") as handle:
        for i, frame in enumerate(_frames(rows)):
            out = frame.reindex(columns=[c.key for c in columns])
            for col in columns:
                if col.kind in ("text", "code"):
                    out[col.key] = neutralise_column(out[col.key])
            out.columns = [c.header for c in columns]
            # CRLF rows: the csv module then quotes any field holding a CR or LF, so no text breaks a row.
            out.to_csv(handle, index=False, header=i == 0, date_format="%Y-%m-%d", lineterminator="\r\n")
    return target
