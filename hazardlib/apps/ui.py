"""Small building blocks the dashboard apps share: styles, HTML tables and bar charts, data-URL downloads,
form fields with inline messages, and the busy indicator.

Everything renders with ipywidgets 8 core widgets and plain HTML/CSS, so nothing needs the internet
(no icon fonts, no JavaScript widget libraries) and Chinese labels use the fonts the machine has.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import logging
import math
import mimetypes
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import comm
import ipywidgets as widgets
import traitlets
from ipykernel.comm.comm import BaseComm as KernelComm  # the comm ipykernel's own ``comm.create_comm`` makes
from ipykernel.kernelbase import Kernel
from ipywidgets.widgets.widget_description import DescriptionStyle  # a radio list's style (not re-exported)
from ipywidgets.widgets.widget_string import HTMLStyle  # the style of an HTML widget (not re-exported)

from .. import vocab

if TYPE_CHECKING:
    import pandas as pd

FONT_STACK = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
    '"WenQuanYi Micro Hei", sans-serif'
)

PHONE_MAX_WIDTH = 600
"""The widest screen laid out as a phone: one column, labels above fields, controls a finger high."""
TOUCH_PX = 44
"""The least height of a control on a phone, the size of a fingertip (the web's usual touch target)."""
CHECKLIST_ROWS = 6.5
"""The rows a :class:`CheckList` shows at a desk before it scrolls: half a row cut off at its frame says there is more."""
CHECKLIST_PHONE_ROWS = 4.5
"""The same on a phone, where each row is a fingertip high."""

STYLE = f"""<style>
.hz-app, .hz-app .widget-label, .hz-app input, .hz-app select, .hz-app textarea, .hz-app button {{
  font-family: {FONT_STACK};
}}
.hz-app {{ max-width: 1180px; }}
.hz-head {{ color: #37474f; font-size: 13px; padding: 4px 0 8px 0; border-bottom: 1px solid #cfd8dc; }}
.hz-head b {{ color: #263238; }}
.hz-section {{ font-size: 15px; font-weight: bold; color: #1a237e; margin: 14px 0 4px 0; }}
.hz-note {{ color: #607d8b; font-size: 12px; }}
table.hz-table {{ border-collapse: collapse; font-size: 13px; margin: 4px 0; }}
table.hz-table th, table.hz-table td {{ border: 1px solid #cfd8dc; padding: 3px 8px; text-align: left;
  vertical-align: top; }}
table.hz-table th {{ background: #eceff1; white-space: nowrap; }}
table.hz-table td.hz-num {{ text-align: right; font-variant-numeric: tabular-nums; }}
table.hz-table td.hz-date {{ white-space: nowrap; }}
/* a note of several lines (a remark, a description, a reply: fields.Lines) keeps its line breaks */
.hz-app .hz-lines, table.hz-table td.hz-lines, .hz-rows .hz-cell.hz-lines {{ white-space: pre-line; }}
table.hz-table tr.hz-total td {{ font-weight: bold; background: #f5f5f5; }}
.hz-msg {{ padding: 6px 10px; margin: 4px 0; border-left: 4px solid; font-size: 14px; }}
.hz-msg ul {{ margin: 4px 0 0 0; padding-left: 20px; }}
.hz-msg-ok {{ color: #1b5e20; background: #e8f5e9; border-color: #2e7d32; }}
.hz-msg-error {{ color: #b71c1c; background: #ffebee; border-color: #c62828; }}
.hz-msg-info {{ color: #0d47a1; background: #e3f2fd; border-color: #1565c0; }}
.hz-msg-warn {{ color: #e65100; background: #fff3e0; border-color: #ef6c00; }}
.hz-field-error {{ color: #c62828; font-size: 13px; }}
.hz-label {{ font-size: 13px; color: #263238; }}
.hz-required {{ color: #c62828; }}
/* a long list scrolls inside a framed box that ends half-way down a row (a row cut off at the frame says the list
   goes on: a phone shows no scroll bar, and a box ending between two rows looked like the whole list) */
.hz-checklist {{ overflow-y: auto; border: 1px solid #cfd8dc; border-radius: 3px; padding: 0 8px;
  box-sizing: border-box; margin: var(--jp-widgets-margin);
  max-height: calc({CHECKLIST_ROWS} * (var(--jp-widgets-inline-height) + 2 * var(--jp-widgets-margin))); }}
/* choices of one (a radio list, class hz-choices) as a check list's: a framed box that scrolls, each choice's
   words wrapping whole beside its button */
.hz-app .hz-choices {{ overflow-y: auto; border: 1px solid #cfd8dc; border-radius: 3px; padding: 0 8px;
  box-sizing: border-box; max-width: 100%; height: auto;
  max-height: calc({CHECKLIST_ROWS} * (var(--jp-widgets-inline-height) + 2 * var(--jp-widgets-margin))); }}
.hz-app .hz-choices .widget-radio-box label {{ height: auto; min-height: var(--jp-widgets-inline-height);
  white-space: normal; line-height: 1.4; display: flex; align-items: center; padding: 2px 0; }}
.hz-app .hz-choices .widget-radio-box input {{ flex: none; height: auto; order: -1; margin: 0 8px 0 0; }}
.hz-app .hz-choices > .widget-label {{ display: none; }}  /* no description: its room is the words' */
/* a check box level with its words (ipywidgets set it on their baseline: on a phone, where it is larger, it stood
   above them) */
.hz-app .widget-checkbox > .widget-label-basic {{ display: flex; align-items: center; }}
.hz-app .widget-checkbox > .widget-label-basic > input {{ flex: none; }}
/* a choice's words wrap whole inside the box (ipywidgets cut them off with "…" on one line, a title for a mouse
   to hover over that a phone lacks) */
.hz-checklist .widget-checkbox {{ height: auto; min-height: var(--jp-widgets-inline-height); }}
.hz-checklist .widget-checkbox > .widget-label-basic {{ height: auto; white-space: normal; overflow: visible;
  line-height: 1.4; }}
/* a file picker says what its title says (选择文件, then the file's name: see file_picker), not ipywidgets' words
   with a count, "选择文件 (0)", which a clerk does not read */
/* (the title's words are not heard twice: a screen reader hears the picker's own text, whose count its description
   explains; a browser that does not know the alternative text after "/" keeps the first content, and the words are
   read twice there rather than not shown); a long file name is cut with "…", in the words' own size (the picker's
   is 0) */
.hz-app .widget-upload.hz-upload {{ font-size: 0; width: auto; max-width: 100%; }}
.hz-app .widget-upload.hz-upload::before {{ content: attr(title); content: attr(title) / ""; font-size: var(--jp-widgets-font-size);
  display: inline-block; max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  vertical-align: top; }}
.hz-charts {{ display: flex; gap: 40px; flex-wrap: wrap; }}  /* charts side by side, wrapping */
.hz-bars {{ font-size: 13px; }}
.hz-bars .hz-bar-row {{ display: flex; align-items: center; margin: 2px 0; }}
.hz-bars .hz-bar-label {{ width: 9em; text-align: right; padding-right: 8px; white-space: nowrap; }}
.hz-bars .hz-bar-track {{ flex: 0 0 420px; background: #eceff1; height: 16px; position: relative; }}
.hz-bars .hz-bar-fill {{ background: #1976d2; height: 16px; }}
.hz-bars .hz-bar-fill.hz-warn {{ background: #ef6c00; }}
.hz-bars .hz-bar-value {{ padding-left: 8px; font-variant-numeric: tabular-nums; }}
.hz-busy {{ display: flex; align-items: center; gap: 10px; color: #0d47a1; font-size: 14px; }}
.hz-busy-bar {{ width: 220px; height: 10px; border-radius: 5px; background: repeating-linear-gradient(
  45deg, #90caf9 0 10px, #1565c0 10px 20px); background-size: 28px 28px;
  animation: hz-move 0.8s linear infinite; }}
@keyframes hz-move {{ from {{ background-position: 0 0; }} to {{ background-position: 28px 0; }} }}
a.hz-download {{ display: inline-block; padding: 5px 12px; margin: 4px 6px 4px 0; background: #1565c0;
  color: #fff !important; border-radius: 3px; text-decoration: none; font-size: 14px; }}
a.hz-download:hover {{ background: #0d47a1; }}
a.hz-link {{ color: #1565c0; }}  /* every link a clerk may follow, inside a card or not */
.hz-card {{ border: 1px solid #cfd8dc; border-radius: 4px; padding: 8px 12px; margin: 6px 0; }}
.hz-state {{ display: inline-block; padding: 0 6px; border-radius: 3px; background: #eceff1; }}
.hz-overdue {{ color: #c62828; font-weight: bold; }}
/* the campaign's timeline keeps its size (its words readable) and scrolls inside its box where it is wider */
.hz-timeline-scroll {{ max-width: 100%; overflow-x: auto; }}
.hz-app svg.hz-timeline {{ max-width: none; }}
@media (max-width: {PHONE_MAX_WIDTH}px) {{
  /* A phone (inspectors work on site): one column, labels above their fields, every control as wide as the
     screen allows and at least a finger high, buttons wrapping their words; a table scrolls inside its own
     box. Widths given on a widget's layout are inline styles, hence the !important. */
  .hz-app {{ max-width: 100%; padding-right: 8px; box-sizing: border-box; }}
  .hz-app .widget-hbox {{ flex-wrap: wrap; max-width: 100%; }}
  .hz-app .jupyter-widgets {{ max-width: 100%; box-sizing: border-box; }}
  .hz-app .widget-vbox, .hz-app .widget-hbox > * {{ min-width: 0 !important; }}
  .hz-app .hz-field {{ flex-direction: column; align-items: stretch; width: 100%; }}
  .hz-app .hz-field > * {{ width: 100% !important; margin-left: 0; margin-right: 0; }}
  /* as wide as the box they are in, without ipywidgets' side margins (which pushed a card's right border 2 px
     past its box, where the box cut it off and scrolled sideways) */
  .hz-app .widget-inline-hbox {{ flex-wrap: wrap; width: 100% !important; height: auto; margin-left: 0;
    margin-right: 0; }}
  .hz-app .widget-inline-hbox > .widget-label {{ flex: 0 0 100%; width: 100% !important; text-align: left;
    max-width: 100%; }}
  .hz-app .widget-inline-hbox > select, .hz-app .widget-inline-hbox > input:not([type=checkbox]),
  .hz-app .widget-inline-hbox > textarea {{ flex: 1 1 100%; width: 100%; min-width: 0; }}
  .hz-app input:not([type=checkbox]):not([type=radio]), .hz-app select, .hz-app button {{
    min-height: {TOUCH_PX}px; font-size: 16px; }}
  .hz-app textarea {{ min-height: 88px; font-size: 16px; }}
  .hz-app .widget-upload.hz-upload {{ height: auto; white-space: normal; line-height: 1.3; padding: 6px 14px; }}
  /* the whole name, wrapping (a phone has no mouse to hover over the title) */
  .hz-app .widget-upload.hz-upload::before {{ font-size: 16px; white-space: normal; overflow-wrap: anywhere; }}
  .hz-app .widget-textarea {{ height: auto !important; }}
  .hz-app .widget-button {{ height: auto; white-space: normal; overflow: visible; text-overflow: clip;
    max-width: 100%; line-height: 1.3; padding: 6px 14px; }}
  .hz-app .widget-radio-box label, .hz-app .widget-checkbox {{ min-height: {TOUCH_PX}px; height: auto;
    display: flex; align-items: center; }}
  .hz-app .widget-radio-box label {{ margin-right: 16px; }}
  .hz-app input[type=checkbox], .hz-app input[type=radio] {{ width: 22px; height: 22px; }}
  .hz-app .hz-choices .widget-radio-box label {{ min-height: {TOUCH_PX}px; }}  /* over the desk's rule above */
  .hz-app .hz-checklist, .hz-app .hz-choices {{
    max-height: calc({CHECKLIST_PHONE_ROWS} * ({TOUCH_PX}px + 2 * var(--jp-widgets-margin))); }}
  .hz-app .widget-html, .hz-app .widget-html-content {{ max-width: 100%; height: auto; }}
  .hz-app .widget-html-content {{ white-space: normal; overflow-wrap: anywhere; }}
  /* the header's parts wrap as whole parts, a gap between them instead of the ｜, which would end a line */
  /* (each part centred on its line: the links, a fingertip high, would leave the words beside them higher) */
  .hz-head {{ line-height: 1.8; display: flex; flex-wrap: wrap; column-gap: 1.5em; align-items: center; }}
  .hz-head-part {{ white-space: nowrap; }}
  .hz-head-sep {{ display: none; }}
  /* tabs share the width and keep their whole label (four characters each); a fingertip high */
  /* (as specific as ipywidgets' own rules for a Tab's bar, which they override) */
  .hz-app .jupyter-widgets.widget-tab > .lm-TabBar, .hz-app .widget-tab > .lm-TabBar .lm-TabBar-content {{
    min-height: {TOUCH_PX}px; }}
  .hz-app .jupyter-widgets.widget-tab > .lm-TabBar .lm-TabBar-tab {{ flex: 1 1 0; min-width: 0;
    min-height: {TOUCH_PX}px; line-height: {TOUCH_PX}px; padding: 0 2px; justify-content: center;
    align-items: center; }}
  .hz-app .jupyter-widgets.widget-tab > .lm-TabBar .lm-TabBar-tabLabel {{ flex: 0 1 auto; text-overflow: clip; }}
  .hz-head a {{ display: inline-block; min-height: {TOUCH_PX}px; line-height: {TOUCH_PX}px; }}
  table.hz-table {{ display: block; max-width: 100%; overflow-x: auto; }}
  table.hz-table th, table.hz-table td {{ white-space: nowrap; overflow-wrap: normal; }}
  /* its lines as written, each on one line as every cell's words are (the table scrolls sideways) */
  table.hz-table td.hz-lines, .hz-app .hz-rows .hz-cell.hz-lines {{ white-space: pre; }}
  .hz-bars .hz-bar-label {{ width: 6em; white-space: normal; }}
  /* each chart the screen's width (its bars were the width of nothing, 40 px, when side by side) */
  .hz-charts > .hz-bars {{ flex: 1 1 100%; min-width: 0; }}
  .hz-bars .hz-bar-track {{ flex: 1 1 auto; min-width: 40px; }}
  .hz-busy-bar {{ width: 120px; }}
  .hz-app svg {{ max-width: 100%; height: auto; }}  /* the charts (hazardlib.charts) have a viewBox: they scale */
}}
</style>"""


def esc(value: Any) -> str:
    """``value`` as text safe to put in HTML ('' for None)."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return html.escape(str(value))


def lines_html(text: str | None) -> str:
    """Text of several lines (a note, a description: fields.Lines) as HTML that shows its line breaks."""
    return f'<span class="hz-lines">{esc(text)}</span>' if text else ""


def fmt_date(day: dt.date | None) -> str:
    """A date the way a Chinese office writes it: 2024年9月15日."""
    return "" if day is None else vocab.date_label(day)


def fmt_due(at: dt.datetime) -> str:
    """A time limit the way a Chinese office writes it (:func:`hazardlib.vocab.due_label`): 2024年7月18日24时, not
    2024-07-19 00:00, which a clerk reads as a day later; 2024年7月19日9时30分."""
    return vocab.due_label(at)


HAZARD_NO = "隐患编号"
"""The one name of a hazard's (or risk's) number, as a column header and before the number in text."""


def hazard_number(hazard_id: Any) -> str:
    """A hazard's number as a clerk reads it in a table under :data:`HAZARD_NO`: digits only, never
    "4,882" or "#4882" ('' when there is none)."""
    if hazard_id is None or (isinstance(hazard_id, float) and math.isnan(hazard_id)) or _is_nat(hazard_id):
        return ""
    return str(int(hazard_id))


def hazard_no(hazard_id: Any) -> str:
    """A hazard's number in running text: 隐患编号 4882."""
    return f"{HAZARD_NO} {hazard_number(hazard_id)}"


def paging_text(offset: int, shown: int, total: int) -> str:
    """Which rows of how many a page shows: "显示第 1–20 条，共 336 条" (or "共 0 条")."""
    if not shown:
        return f"共 {total} 条"
    return f"显示第 {offset + 1}–{offset + shown} 条，共 {total} 条"


def message_html(kind: str, text: str, details: Iterable[str] = ()) -> str:
    """A coloured message box: ``kind`` is ok, error, info or warn."""
    items = "".join(f"<li>{esc(d)}</li>" for d in details)
    listing = f"<ul>{items}</ul>" if items else ""
    return f'<div class="hz-msg hz-msg-{kind}">{esc(text)}{listing}</div>'


# The layouts and the style that read-only HTML widgets share (see read_only_html), by width.
_SHARED: dict[str, widgets.Widget] = {}


def _shared(key: str, make: Callable[[], widgets.Widget]) -> widgets.Widget:
    part = _SHARED.get(key)
    if part is None or part.comm is None:  # closed with every widget (a preheated kernel's warm-up)
        part = _SHARED[key] = make()
    return part


def read_only_html(value: str = "", *, width: str = "") -> widgets.HTML:
    """An HTML widget (of ``width``, if given) whose layout and style are never changed: it shares them
    with every other one, so that the page's front end has one widget model to create for it, not three.
    Its value may change; a widget whose layout changes (hidden, resized) must not be made here."""
    layout = _shared(f"layout:{width}", lambda: widgets.Layout(width=width or None, min_width=width or None))
    return widgets.HTML(value, layout=layout, style=_shared("style", HTMLStyle))


def section_html(title: str) -> str:
    """A section heading's HTML, as :func:`section` shows it (a page's first paint writes it as is)."""
    return f'<div class="hz-section">{esc(title)}</div>'


def section(title: str) -> widgets.HTML:
    """A section heading inside an app."""
    return read_only_html(section_html(title))


def note(text: str) -> widgets.HTML:
    return read_only_html(f'<div class="hz-note">{esc(text)}</div>')


def records_of(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a (small, one-page) frame as dicts, a missing value as None (pandas gives NaN or NaT,
    which a label would show as "nan" or "NaT")."""
    return [{str(k): _missing_as_none(v) for k, v in r.items()} for r in df.to_dict("records")]


def option_label(*parts: Any) -> str:
    """A picker option's text: its parts joined by a space, a missing part (None, NaN, NaT, '') left out
    rather than shown as "None" or "nan"."""
    return " ".join(str(p) for p in map(_missing_as_none, parts) if p is not None and p != "")


def _missing_as_none(value: Any) -> Any:
    if (isinstance(value, float) and math.isnan(value)) or _is_nat(value):
        return None
    return value


def _is_nat(value: Any) -> bool:
    """True for pandas' missing time (which is a datetime too). Pandas is not imported for this: a page
    that has not loaded it (the tracker's first table) cannot hold one."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and value is pandas.NaT


def _cell(value: Any) -> tuple[str, str]:
    """A value's text in a table cell and the cell's class ("hz-num", "hz-date", "hz-lines" or "")."""
    if isinstance(value, bool):
        return vocab.YES_NO_LABELS[value], ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return "", ""
        if isinstance(value, float) and not value.is_integer():
            return f"{value:.1%}" if 0 <= value <= 1 else f"{value:,.2f}", "hz-num"
        return f"{int(value):,}", "hz-num"
    if _is_nat(value):
        return "", ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M"), "hz-date"
    if isinstance(value, dt.date):
        return value.isoformat(), "hz-date"
    if isinstance(value, str) and "\n" in value:
        return esc(value), "hz-lines"  # a note of several lines (fields.Lines), shown as written
    return esc(value), ""


def cell_html(value: Any, *, raw: bool = False, attrs: str = "") -> str:
    """One cell of a table drawn as a grid (``<div class="hz-cell">``), its text as :func:`html_table` shows
    it; ``raw``: ``value`` is HTML made by the caller (already escaped); ``attrs``: more attributes."""
    if raw:
        text, kind = (value if isinstance(value, str) else esc(value)), ""
    else:
        text, kind = _cell(value)
    return f'<div class="hz-cell {kind}" {attrs}>{text}</div>'


def html_table(
    df: pd.DataFrame | Mapping[str, Sequence[Any]] | None,
    *,
    empty: str = "暂无数据",
    total_last: bool = False,
    raw_html: Sequence[str] = (),
    css_class: str = "",
) -> str:
    """One HTML table of ``df`` (its column names are the headers); numbers right-aligned.

    ``df`` is a frame, or its columns as a mapping of header to values (what ``pd.DataFrame`` would be
    built from; the table is the same, without loading pandas). Columns named in ``raw_html`` hold HTML
    made by the caller (already escaped).
    """
    if df is None:
        columns: list[Any] = []
        rows: list[tuple[Any, ...]] = []
    elif isinstance(df, Mapping):
        columns, rows = list(df), list(zip(*df.values(), strict=True))
    else:
        columns, rows = list(df.columns), list(df.itertuples(index=False, name=None))
    if not columns or not rows:
        return f'<div class="hz-note">{esc(empty)}</div>'
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = []
    last = len(rows) - 1
    for i, row in enumerate(rows):
        cells = []
        for col, value in zip(columns, row, strict=True):
            if col in raw_html:
                cells.append(f"<td>{value if isinstance(value, str) else esc(value)}</td>")
                continue
            text, kind = _cell(value)
            cells.append(f'<td class="{kind}">{text}</td>' if kind else f"<td>{text}</td>")
        cls = ' class="hz-total"' if total_last and i == last else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return (
        f'<table class="hz-table {esc(css_class)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    percent: bool = False,
    warn: Iterable[str] = (),
    title: str = "",
    css_class: str = "",
) -> str:
    """A horizontal bar chart in HTML/CSS: one labelled bar per item, the value written after it.

    With ``percent`` the values are fractions (0–1) drawn against 100 %; labels in ``warn`` are drawn in
    the warning colour.
    """
    warned = set(warn)
    top = 1.0 if percent else max([v for _, v in items] + [0]) or 1.0
    rows = []
    for label, value in items:
        share = max(0.0, min(1.0, (value or 0) / top))
        shown = f"{value:.0%}" if percent else f"{value:,.0f}"
        fill = "hz-bar-fill hz-warn" if label in warned else "hz-bar-fill"
        rows.append(
            f'<div class="hz-bar-row"><span class="hz-bar-label">{esc(label)}</span>'
            f'<span class="hz-bar-track"><div class="{fill}" style="width:{share * 100:.1f}%"></div></span>'
            f'<span class="hz-bar-value">{esc(shown)}</span></div>'
        )
    heading = f'<div class="hz-label"><b>{esc(title)}</b></div>' if title else ""
    return f'<div class="hz-bars {esc(css_class)}">{heading}{"".join(rows)}</div>'


_MIME = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".json": "application/json",
    ".csv": "text/csv",
}


def download_link(data: bytes, filename: str, label: str | None = None, *, css_class: str = "") -> str:
    """A link that saves ``data`` as ``filename``, with the bytes inside the link (a data URL); it reads
    ``label``, by default 下载：``filename``.

    Voilà serves files only from an allow-list, and a file put there could be fetched by anyone who
    can reach the server; a data URL reaches only this session's browser.
    """
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    mime = _MIME.get(suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    payload = base64.b64encode(data).decode("ascii")
    return (
        f'<a class="hz-download {esc(css_class)}" download="{esc(filename)}" '
        f'href="data:{mime};base64,{payload}">{esc(label or f"下载：{filename}")}</a>'
    )


PAGE_WAIT_SECONDS = 10.0


CONTROL_TARGET = "jupyter.widget.control"
log = logging.getLogger(__name__)


class PageWatch:
    """Notes when a page has fetched this kernel's widgets.

    A page's widget manager opens a comm to the ``jupyter.widget.control`` target, asks for every widget's
    state through it, and closes it once the states have arrived. The kernel's comm manager (the public
    API of the ``comm`` package) calls the handler registered for that target with each such comm; the
    watch registers itself as that handler, hands each comm on to the handler it found (ipywidgets'
    own, which answers the request), and keeps the comm: once the manager no longer holds it among its
    open comms, the page has its widgets.
    """

    def __init__(self) -> None:
        self.handler: Any = None  # the handler found for the target (ipywidgets')
        self.controls: list[Any] = []  # the control comms pages have opened

    def install(self) -> bool:
        """Watch from now on (once); False if nothing handles the target (not in a kernel, or an
        ipywidgets without the control comm): then there is nothing to wait for."""
        manager = comm.get_comm_manager()
        handler = manager.targets.get(CONTROL_TARGET)
        if handler is None:
            return False
        if handler != self.opened:
            self.handler = handler
            manager.register_target(CONTROL_TARGET, self.opened)
        return True

    def opened(self, control: Any, msg: Any) -> None:
        self.handler(control, msg)
        self.controls.append(control)

    def asked(self) -> bool:
        """True once a page has opened the control comm (it asks for every widget's state next)."""
        return bool(self.controls)

    def fetched(self) -> bool:
        """True once a page that opened the control comm has closed it (its states have arrived)."""
        still_open = comm.get_comm_manager().comms
        return any(control.comm_id not in still_open for control in self.controls)


PAGE = PageWatch()


@contextmanager
def unannounced() -> Iterator[None]:
    """Widgets made inside are announced to no page: each gets the ``comm`` package's ``DummyComm``, which sends
    nothing, instead of the kernel's comm (``comm.create_comm`` is the package's public hook, meant to be
    replaced: the kernel replaces it with its own). For a preheated kernel's warm-up, whose widgets no page will
    fetch and which are closed at its end: built with the kernel's comms, each widget's opening, its updates and
    its closing went to the server as messages (thousands per warm-up), which the server read one by one, for
    every pool kernel that warmed up, while it was serving pages: the first page after a start waited behind
    them (docs/benchmarks.md, "The first page after a start"). Not for widgets a page shows: they would never
    reach it."""
    made = comm.create_comm
    comm.create_comm = comm.DummyComm
    try:
        yield
    finally:
        comm.create_comm = made


class HeldComm(KernelComm):
    """A widget's comm in a Voilà page's kernel, made before the page asked for the widgets' states: it says
    nothing (its opening, its updates, its closing) until a page has asked (:meth:`PageWatch.asked`), then
    speaks as the kernel's own comm does. Before that no page could hear it: Voilà runs the notebook before the
    page connects, and the page then asks for every widget's state at once (ipywidgets 8's
    ``request_states``), which holds every update made before. Only the server read those messages, each once
    for the notebook's execution and once for the kernel's activity, for nothing (245 widgets on the ledger:
    about 420 messages per page; docs/benchmarks.md, "Capacity, eighth round"). A comm the page opens (the
    control comm, not primary) always speaks."""

    def __init__(self, *args: Any, **kwargs: Any):
        # The kernel's comm learns its kernel when it first speaks, and a widget sends its updates only through a
        # comm that knows its kernel (ipywidgets' ``Widget._send``): this one knows it from the start.
        if Kernel.initialized():
            self.kernel = Kernel.instance()
        super().__init__(*args, **kwargs)

    def publish_msg(
        self,
        msg_type: str,
        data: Any = None,
        metadata: Any = None,
        buffers: Any = None,
        **keys: Any,
    ) -> None:
        if PAGE.asked() or not self.primary:
            super().publish_msg(msg_type, data, metadata, buffers, **keys)


def hold_until_asked() -> None:
    """In a Voilà page's kernel, from now on: widgets made before the page asks for their states get a
    :class:`HeldComm` (through ``comm.create_comm``, the ``comm`` package's public hook, as :func:`unannounced`);
    widgets made after get the kernel's own comm. Elsewhere (tests, scripts, JupyterLab, where nothing asks
    for the states at once) nothing changes."""
    if not in_voila_page() or not PAGE.install():
        return
    made = comm.create_comm
    if getattr(made, "holds", False):
        return

    def create(*args: Any, **kwargs: Any) -> comm.base_comm.BaseComm:
        return made(*args, **kwargs) if PAGE.asked() else HeldComm(*args, **kwargs)

    create.holds = True  # type: ignore[attr-defined]
    comm.create_comm = create


def in_voila_page() -> bool:
    """True in a kernel Voilà runs a page's notebook in: started for a request (``VOILA_REQUEST_URL``) or
    preheated in the kernel pool (``VOILA_PREHEAT``; the first kernels of a pool have no request URL)."""
    return bool(os.environ.get("VOILA_REQUEST_URL")) or os.environ.get("VOILA_PREHEAT") == "True"


def watch_page() -> None:
    """Start noting when the page fetches the widgets (before it can connect: while the app is built)."""
    if in_voila_page():
        PAGE.install()


def wait_for_page(timeout: float | None = None, *, poll: float = 0.05) -> bool:
    """Wait until the Voilà page showing this kernel's widgets has fetched them, so that work filling parts
    of the page in afterwards does not compete with drawing it, and its changes do not reach the page while
    the page is still fetching (a change that arrives before the page has made that widget is dropped);
    False if it gave up.

    Voilà runs every cell before its page connects to the kernel and fetches the widgets; the watch
    (:class:`PageWatch`) must be installed before that, by :func:`watch_page` while the app is built or
    here. Outside a Voilà kernel (tests, scripts, JupyterLab), once the page has fetched them, or where
    nothing handles the widgets' control comm, this returns at once; after ``timeout`` seconds (default
    :data:`PAGE_WAIT_SECONDS`; a page closed while loading) it gives up.
    """
    if not in_voila_page() or not PAGE.install():
        return True
    started = time.monotonic()
    deadline = started + (PAGE_WAIT_SECONDS if timeout is None else timeout)
    while not PAGE.fetched():
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)
    log.info("the page fetched the widgets (waited %.2f s)", time.monotonic() - started)
    return True


class Busy:
    """The "please wait" line shown while long work runs, with an optional count of steps done."""

    def __init__(self) -> None:
        self.text = widgets.HTML()
        self.bar = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(width="260px"))
        self.bar.layout.display = "none"
        self.widget = widgets.VBox([self.text, self.bar])
        self.widget.add_class("hz-busy-box")
        self.widget.layout.display = "none"

    @property
    def active(self) -> bool:
        return self.widget.layout.display != "none"

    def show(self, text: str) -> None:
        self.text.value = (
            f'<div class="hz-busy"><div class="hz-busy-bar"></div><span>{esc(text)}</span></div>'
        )
        self.bar.layout.display = "none"
        self.widget.layout.display = ""

    def step(self, done: int, total: int, text: str | None = None) -> None:
        """Show progress as ``done`` of ``total`` steps."""
        self.bar.max = max(total, 1)
        self.bar.value = min(done, self.bar.max)
        self.bar.layout.display = ""
        if text is not None:
            self.text.value = f'<div class="hz-busy"><span>{esc(text)}</span></div>'

    def hide(self) -> None:
        self.widget.layout.display = "none"
        self.text.value = ""


class FormField:
    """A labelled input with its own message line beside it, for inline validation messages."""

    def __init__(
        self,
        key: str,
        title: str,
        control: widgets.Widget,
        *,
        required: bool = False,
        hint: str = "",
        label_width: str = "11em",
    ):
        self.key, self.title, self.control, self.required = key, title, control, required
        self.label = read_only_html(width=label_width)
        self.set_hint(hint)
        self.error = read_only_html()
        self.error.add_class("hz-error-slot")
        self.widget = widgets.HBox([self.label, control, self.error])
        self.widget.add_class("hz-field")
        self.widget.add_class(f"hz-field-{key}")
        control.add_class(f"hz-input-{key}")
        # a field the clerk corrects loses its error at once (not only at the next save)
        control.observe(lambda _change: self.clear(), names="value")

    def set_hint(self, hint: str) -> None:
        """Show ``hint`` under the field's title (none when empty: a hint about a list that is empty misleads)."""
        star = '<span class="hz-required">*</span>' if self.required else ""
        hint_html = f'<div class="hz-note">{esc(hint)}</div>' if hint else ""
        self.label.value = f'<div class="hz-label">{esc(self.title)}{star}</div>{hint_html}'

    def set_error(self, message: str) -> None:
        self.error.value = f'<span class="hz-field-error">{esc(message)}</span>'

    def clear(self) -> None:
        self.error.value = ""

    @property
    def has_error(self) -> bool:
        return bool(self.error.value)


MULTIPLE_HINT = "可勾选多项"
"""The hint over a :class:`CheckList`: true on a phone and at a desk alike (no key to hold)."""


class CheckList(widgets.VBox):
    """Choices ticked one by one with a click or a tap, in a framed box that scrolls when they are many (its
    height in rows is the style's, :data:`CHECKLIST_ROWS`): unlike a multiple select, which adds a choice only
    with Ctrl held, it needs no key that a phone lacks. ``value`` is the tuple of the chosen values, in the
    order of ``options`` ((label, value) pairs); ``disabled`` disables every box (and those of options set later)."""

    value = traitlets.Tuple()
    disabled = traitlets.Bool(False)

    def __init__(self, options: Sequence[tuple[str, Any]] = (), **kwargs: Any):
        super().__init__(**kwargs)
        self.add_class("hz-checklist")
        self.boxes: list[tuple[widgets.Checkbox, Any]] = []
        self.ticking = False  # while the boxes follow a new value, their changes are not a new choice
        self.options = list(options)
        self.observe(lambda change: self._tick(change["new"]), names="value")
        self.observe(lambda change: self._enable(not change["new"]), names="disabled")

    @property
    def options(self) -> list[tuple[str, Any]]:
        return [(box.description, value) for box, value in self.boxes]

    @options.setter
    def options(self, options: Sequence[tuple[str, Any]]) -> None:
        for box, _ in self.boxes:
            box.close()
        layout = _shared("layout:checklist", lambda: widgets.Layout(width="auto"))
        self.boxes = [
            (widgets.Checkbox(description=label, indent=False, layout=layout, disabled=self.disabled), value)
            for label, value in options
        ]
        for box, _ in self.boxes:
            box.observe(lambda _change: self._read(), names="value")
        self.children = [box for box, _ in self.boxes]
        self.value = ()

    @traitlets.validate("value")
    def _offered(self, proposal: Any) -> tuple[Any, ...]:
        """The chosen values in the order of the options; a value not offered is refused, as a multiple select
        refuses it: no box would show it ticked, yet it would be saved, and dropped at the clerk's next tick."""
        chosen = tuple(proposal["value"])
        offered = [value for _, value in self.boxes]
        missing = [value for value in chosen if value not in offered]
        if missing:
            raise traitlets.TraitError(f"CheckList: values not among the options: {missing!r}")
        return tuple(value for value in offered if value in chosen)

    def _read(self) -> None:
        if self.ticking:
            return
        chosen = tuple(value for box, value in self.boxes if box.value)
        if chosen != self.value:
            self.value = chosen

    def _enable(self, enabled: bool) -> None:
        for box, _ in self.boxes:
            box.disabled = not enabled

    def _tick(self, chosen: tuple[Any, ...]) -> None:
        self.ticking = True
        try:
            for box, value in self.boxes:
                box.value = value in chosen
        finally:
            self.ticking = False


PICK_FILE = "选择文件"
"""What a file picker says before a file is chosen."""
NO_FILE = "未选择文件"
"""What a screen reader hears of a file picker before a file is chosen (after :data:`PICK_FILE`)."""


def file_picker(accept: str) -> widgets.FileUpload:
    """A picker of one file (of the types ``accept`` names) that shows :data:`PICK_FILE`, then the chosen file's
    name (cut with "…" where it is longer than the picker, whole in the title a mouse hovers over). The words
    shown are its title's, by the style; its own text, which ipywidgets write as the description followed by a
    count ("(0)"), is not shown, but it is what a screen reader hears: its description says :data:`NO_FILE`,
    then which file is chosen, so that the count ipywidgets add follows words that explain it."""
    upload = widgets.FileUpload(accept=accept, multiple=False, tooltip=PICK_FILE, icon="")
    upload.add_class("hz-upload")

    def named(change: Any) -> None:
        files = list(change["new"] or ())
        name = str(files[0]["name"]) if files else ""
        upload.tooltip = f"{name}（点此更换）" if files else PICK_FILE
        upload.description = f"已选择文件 {name}，点此更换" if files else f"{PICK_FILE}，{NO_FILE}"

    upload.observe(named, names="value")
    named({"new": ()})
    return upload


def button(description: str, *, style: str = "", key: str = "", width: str = "") -> widgets.Button:
    """A text button (no icon: icon fonts come from a CDN that an intranet cannot reach)."""
    b = widgets.Button(description=description, button_style=style, tooltip=description)
    b.layout.width = width or "fit-content"
    b.layout.min_width = "6em"
    if key:
        b.add_class(f"hz-btn-{key}")
    return b


def choose(dropdown: widgets.Dropdown, value: Any) -> None:
    """Select ``value`` (None selects a leading "please choose" option, which ipywidgets would otherwise
    show as an empty box)."""
    first = dropdown.options[0] if dropdown.options else None
    if value is None and isinstance(first, tuple) and first[1] is None:
        dropdown.index = 0
    else:
        dropdown.value = value


def set_options(dropdown: widgets.Dropdown, options: Sequence[Any], value: Any = None) -> None:
    """New options for ``dropdown``, then :func:`choose` ``value`` (ipywidgets leaves none selected)."""
    dropdown.options = list(options)
    if options:
        choose(dropdown, value)


def dropdown(options: Sequence[Any], value: Any = None, **kwargs: Any) -> widgets.Dropdown:
    """A Dropdown showing ``value`` (or its leading "please choose" option when ``value`` is None)."""
    d = widgets.Dropdown(options=options, **kwargs)
    if options:
        choose(d, value)
    return d


class ChoiceList(widgets.VBox):
    """A list of choices of one (class ``hz-choices``) whose words wrap whole beside their buttons, where a
    dropdown would cut a long option off (on a phone above all); hidden while it offers nothing. ``options`` are
    (label, value) pairs, ``value`` the value chosen (None: none).

    New options keep the value chosen while it is still among them, and choose nothing when it is not: a table
    filtered, paged or refreshed after a save never moves the page to another record. A click means the option
    clicked, not its place in the list: the browser says only which place was clicked, and a click that lands
    on the list the page still shows while new options are on their way named the option at that place in the
    new list (or nothing: the click was lost). So each set of options is its own radio list, and the one it
    replaced still hears the click meant for it, until the next set of options replaces it in turn (one widget
    more per refill)."""

    value = traitlets.Any(None, allow_none=True)

    def __init__(
        self, key: str, width: str = "40em", options: Sequence[tuple[str, Any]] = (), *, max_width: str = ""
    ):
        super().__init__(layout=widgets.Layout(display="none"))
        self.add_class(f"hz-input-{key}")
        self.list_width, self.list_max_width = width, max_width
        self._options: list[tuple[str, Any]] = []
        self.shown = self._radios([], None)  # the list the page shows
        self.before: widgets.RadioButtons | None = None  # the one it replaced, which a click may still reach
        self.observe(lambda change: self._show(change["new"]), names="value")
        self.options = list(options)

    @property
    def options(self) -> list[tuple[str, Any]]:
        return list(self._options)

    @options.setter
    def options(self, options: Sequence[tuple[str, Any]]) -> None:
        options = [(str(label), value) for label, value in options]
        kept = self.value if self.value in [value for _, value in options] else None
        retired, self.before = self.before, self.shown
        self._options = options
        self.shown = self._radios(options, kept)
        self.children = (self.shown,)
        if retired is not None:
            retired.close()
        self.value = kept
        self.layout.display = None if options else "none"

    @traitlets.validate("value")
    def _offered(self, proposal: Any) -> Any:
        """A value not offered is refused, as a radio list refuses it (no button would show it chosen)."""
        value = proposal["value"]
        if value is not None and value not in [v for _, v in self._options]:
            raise traitlets.TraitError(f"ChoiceList: value not among the options: {value!r}")
        return value

    def _radios(self, options: list[tuple[str, Any]], value: Any) -> widgets.RadioButtons:
        layout = _shared(
            f"layout:choices:{self.list_width}:{self.list_max_width}",
            lambda: widgets.Layout(width=self.list_width, max_width=self.list_max_width or None),
        )
        radios = widgets.RadioButtons(
            options=options, value=value, layout=layout, style=_shared("style:choices", DescriptionStyle)
        )
        radios.add_class("hz-choices")
        radios.observe(lambda change: self._clicked(radios, change["new"]), names="value")
        return radios

    def _clicked(self, radios: widgets.RadioButtons, value: Any) -> None:
        if radios is self.shown:
            self.value = value
        elif value is not None and value in [v for _, v in self._options]:
            # clicked on the list being replaced: the option clicked, if it is still offered
            self.value = value

    def _show(self, value: Any) -> None:
        if self.shown.value != value:
            self.shown.value = value


def choice_list(
    key: str, width: str = "40em", options: Sequence[tuple[str, Any]] = (), *, max_width: str = ""
) -> ChoiceList:
    """A :class:`ChoiceList` named ``hz-input-<key>``, as a form field's control, offering ``options`` (nothing
    chosen)."""
    return ChoiceList(key, width, options, max_width=max_width)


def options_from(labels: dict[str, str], *, blank: str | None = None) -> list[tuple[str, str | None]]:
    """Dropdown options (label, code) from a code→label mapping, optionally led by a blank choice."""
    opts: list[tuple[str, str | None]] = [(blank, None)] if blank is not None else []
    return opts + [(label, code) for code, label in labels.items()]
