"""The Word draft of an instrument of 三书一函, offered on the pages it is issued and followed from (现场检查与
隐患登记、整改台账): pick one of the instruments shown, and its draft comes as a download (a data URL, like
the exports page's downloads)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd
import sqlalchemy as sa

from .. import schema, vocab
from ..exports.instrument_draft import draft_file_name, write_instrument
from ..instruments import STATES, state_at
from ..store import Store
from .base import App
from .ui import button, download_link, option_label, records_of, set_options

T = schema.instruments


def instruments_of(
    store: Store, as_of: Any, *, enterprise_id: int | None = None, hazard_id: int | None = None
) -> pd.DataFrame:
    """The instruments issued to an enterprise or about a hazard by ``as_of`` (newest first), with where each
    stands then (:func:`hazardlib.instruments.state_at`)."""
    where = [T.c.issue_date <= as_of]
    if enterprise_id is not None:
        where.append(T.c.enterprise_id == enterprise_id)
    if hazard_id is not None:
        where.append(T.c.hazard_id == hazard_id)
    stmt = store.scoped(
        sa.select(T.c.id, T.c.kind, T.c.number, T.c.issue_date, T.c.hazard_id, T.c.served_date, T.c.reply_due,
                  T.c.reply_date, T.c.note, state_at(as_of).label("state"))
        .where(*where)
        .order_by(T.c.issue_date.desc(), T.c.id.desc()),
        T,
    )  # fmt: skip
    with store.read() as conn:
        return pd.DataFrame(conn.execute(stmt).mappings().all(), columns=list(stmt.selected_columns.keys()))


def shown(frame: pd.DataFrame) -> dict[str, list[Any]]:
    """The instruments as a page shows them."""

    def day(v: Any) -> Any:
        return "" if v is None or pd.isna(v) else v

    return {
        "文书": [vocab.INSTRUMENT_KIND.label(k) for k in frame["kind"]],
        "编号": list(frame["number"]),
        "签发日期": list(frame["issue_date"]),
        "送达日期": [day(v) for v in frame["served_date"]],
        "回复期限": [day(v) for v in frame["reply_due"]],
        "回复日期": [day(v) for v in frame["reply_date"]],
        "状态": [STATES.label(s) for s in frame["state"]],
    }


def label(r: Any) -> str:
    """An instrument as the chooser offers it: kind, number when it has one, and issue date."""
    return f"{option_label(vocab.INSTRUMENT_KIND.label(r['kind']), r['number'])}（{r['issue_date']}）"


class DraftOffer:
    """A chooser of instruments and a button that makes the chosen one's Word draft a download."""

    def __init__(self, app: App):
        self.app = app
        self.pick = widgets.Dropdown(options=[], layout=widgets.Layout(width="30em"))
        self.pick.add_class("hz-input-draft-pick")
        self.btn = button("起草文书（Word）", key="draft")
        app.on_click(self.btn, self.draft)
        self.link = widgets.HTML()
        self.link.add_class("hz-draft-link")
        self.widget = widgets.VBox([widgets.HBox([self.pick, self.btn]), self.link])

    def offer(self, frame: pd.DataFrame) -> None:
        options = [(label(r), int(r["id"])) for r in records_of(frame)]
        set_options(self.pick, options, options[0][1] if options else None)  # the newest, never a blank box
        self.link.value = ""
        self.widget.layout.display = "" if len(frame) else "none"

    def draft(self) -> None:
        chosen = self.pick.value
        if chosen is None:
            self.app.say("请先选择文书。", "warn")
            return
        name = draft_file_name(self.app.store, int(chosen))
        with tempfile.TemporaryDirectory() as tmp:
            data = write_instrument(self.app.store, int(chosen), Path(tmp) / "draft.docx").read_bytes()
        self.link.value = download_link(data, name, css_class="hz-dl-instrument")
        self.app.say(f"已起草“{name}”，请点击下载，核对后加盖公章送达。", "ok")
