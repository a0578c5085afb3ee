"""The store the notebooks read, a scratch copy of it to try things on, and the headline figures.

A notebook opens its store with :func:`open_workbook`: ``HAZARD_DB`` when set (CI sets it to a fresh demo
store), else the embedded ``data/workbook.db``. An empty store is first filled with the README's demo
campaign (seed 7, scale 1, the same as ``./workbook run``), so a notebook works on a fresh clone. A store
that already holds records is never touched.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import tempfile
from contextlib import closing
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from .. import schema
from ..backup import backup, restore
from ..campaign import campaign_at
from ..demo import generate
from ..reports import results_list
from ..reports.extra import ordered_figures
from ..reports.scope import campaign_for
from ..store import Store, open_store

DEMO_SEED = 7
DEMO_SCALE = 1.0
"""The demo campaign the README, ``./workbook run`` and the notebooks' pinned figures use."""

MESSAGES = {
    "building": "数据库中还没有数据，正在生成演示行动数据（种子 {seed}，规模 {scale:g}），约需半分钟……",
    "built": "已生成演示行动数据：{url}",
}


def is_empty(store: Store) -> bool:
    """True when the store holds no enterprise (so no campaign record either)."""
    with store.read() as conn:
        return conn.execute(sa.select(schema.enterprises.c.id).limit(1)).first() is None


def open_workbook(url: str | None = None, *, user: str | None = None, progress: bool = True) -> Store:
    """The notebooks' store: ``url``, else ``HAZARD_DB``, else ``data/workbook.db`` (created or upgraded).

    An empty store gets the demo campaign (seed 7, scale 1) first, with a line on stderr saying so;
    a store holding any record is opened as it is.
    """
    store = open_store(url, user=user)
    if store.meta("demo_seed") is None and is_empty(store):
        if progress:
            print(MESSAGES["building"].format(seed=DEMO_SEED, scale=DEMO_SCALE), file=sys.stderr)
        generate(store, seed=DEMO_SEED, scale=DEMO_SCALE, progress=progress)
        if progress:
            print(MESSAGES["built"].format(url=store.url), file=sys.stderr)
    return store


def scratch_folder(prefix: str = "hazard-notebook-") -> Path:
    """A new empty temporary folder for files a notebook writes (templates, exports, scratch stores)."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def scratch_copy(store: Store, folder: str | Path | None = None, *, user: str | None = None) -> Store:
    """A copy of ``store`` in a SQLite file under ``folder`` (default: a new temporary folder), to import
    or change things without touching the original. The copy acts as ``user`` (default: the store's).

    A SQLite store is copied page by page with SQLite's online backup (a consistent snapshot, and the
    quickest copy of a SQLite file: docs/benchmarks.md); any other engine through :func:`hazardlib.backup.backup` and ``restore``.
    """
    target_dir = Path(folder) if folder is not None else scratch_folder()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / "副本.db"
    target.unlink(missing_ok=True)
    url = sa.engine.make_url(store.url)
    source = url.database if url.get_backend_name() == "sqlite" else None
    if source and source != ":memory:":
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
    else:
        dump = target_dir / "副本.backup.gz"
        backup(store, dump)
        restore(open_store(f"sqlite:///{target}", user=store.user), dump, force=True)
        dump.unlink()
    return open_store(f"sqlite:///{target}", user=user or store.user, county=store.county)


def stage_label(as_of: dt.date) -> str:
    """Where ``as_of`` falls in its campaign and the next report deadline, in one line of Chinese."""
    status = campaign_at(as_of).stage_of(as_of)
    return "；".join(part for part in (status.label, status.deadline_label) if part)


CALENDAR_WORDS = {
    "stage": "阶段",
    "deadline": "报送",
    "done": "已结束",
    "current": "进行中",
    "coming": "未开始",
    "passed": "已过",
    "due": "未到",
}


def calendar(as_of: dt.date) -> pd.DataFrame:
    """The stages and report deadlines of ``as_of``'s campaign, each with where it stands at ``as_of``.

    Columns: kind (阶段 / 报送), name, start (None for a deadline), end, status (已结束 / 进行中 / 未开始
    for a stage, 已过 / 未到 for a deadline).
    """
    campaign = campaign_at(as_of)
    w = CALENDAR_WORDS
    rows = [
        {
            "kind": w["stage"],
            "name": s.title,
            "start": s.start,
            "end": s.end,
            "status": w["done"] if s.end < as_of else w["current"] if s.start <= as_of else w["coming"],
        }
        for s in campaign.stages
    ]
    rows += [
        {
            "kind": w["deadline"],
            "name": "、".join(d.items),
            "start": None,
            "end": d.day,
            "status": w["passed"] if d.day < as_of else w["due"],
        }
        for d in campaign.deadlines
    ]
    return pd.DataFrame(rows, columns=["kind", "name", "start", "end", "status"])


def figures(store: Store, as_of: dt.date, county: str | None = None) -> pd.DataFrame:
    """The results list of the prefecture (or of ``county``) as one row per figure.

    Columns: figure (the key), group, label (with its unit), value (an int, or a rate in percent with one decimal,
    None where its denominator is 0), definition. Same figures and definitions as
    :func:`hazardlib.reports.results_list`.
    """
    frame = results_list(store, as_of, county)
    row = frame.iloc[-1]
    rows = []
    for f in ordered_figures(campaign_for(as_of)):
        value = row[f.key]
        if f.kind == "count":
            value = int(value)
        rows.append(
            {
                "figure": f.key,
                "group": f.group,
                "label": f.header,
                "value": value,
                "definition": f.definition,
            }
        )
    frame = pd.DataFrame(rows, columns=["figure", "group", "label", "value", "definition"])
    frame["value"] = pd.Series([r["value"] for r in rows], dtype=object)  # counts stay integers
    return frame
