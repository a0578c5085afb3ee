"""Small charts drawn as SVG, for notebooks and dashboards: horizontal bars and lines over time.

Why SVG and not matplotlib: the text of an SVG is drawn by the browser with the fonts of the machine
that shows it, so Chinese labels render wherever JupyterLab is opened (a Chinese desktop always has a
CJK font), with nothing to install or configure on the server, and the same chart can go into a Voilà
page or a saved file. The font list prefers Noto Sans CJK SC (Debian's ``fonts-noto-cjk``), then the
usual Chinese system fonts, then the browser's sans-serif.

A :class:`Chart` shows itself in a notebook (``_repr_svg_``) and can be saved (``chart.save(path)``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pandas as pd

FONT_FAMILY = (
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', "
    "'WenQuanYi Micro Hei', 'SimHei', sans-serif"
)
PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939",
)  # fmt: skip
FONT_SIZE = 12
TITLE_SIZE = 15
REFERENCE_COLOR = "#c0392b"

MESSAGES = {
    "column": "表中没有“{column}”列（有：{columns}）",
    "empty": "（没有数据）",
}


@dataclass(frozen=True)
class Chart:
    """An SVG chart: shown by Jupyter, saved with :meth:`save`."""

    svg: str
    title: str = ""

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path: str | Path) -> Path:
        """Write the chart as an ``.svg`` file (UTF-8) and return its path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.svg, encoding="utf-8")
        return target


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """The width ``text`` takes, estimated: a CJK character is one em, anything else about 0.6 em."""
    return sum(size if ord(c) > 0x2E7F else size * 0.6 for c in str(text))


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top``: steps of 1, 2 or 5 times a power of ten."""
    if top <= 0 or math.isnan(top):
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _text(
    x: float, y: float, content: Any, *, size: int = FONT_SIZE, anchor: str = "start", **attrs: Any
) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(str(v))}" for k, v in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>'
        f"{escape(str(content))}</text>"
    )


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family={quoteattr(FONT_FAMILY)} role="img">'
    )
    parts = [head, f"<title>{escape(title)}</title>", '<rect width="100%" height="100%" fill="white"/>']
    if title:
        parts.append(_text(12, 22, title, size=TITLE_SIZE, font_weight="bold"))
    return "".join([*parts, *body, "</svg>"])


def _require(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    for column in columns:
        if column not in frame.columns:
            raise KeyError(
                MESSAGES["column"].format(column=column, columns="、".join(map(str, frame.columns)))
            )


def _legend(names: Sequence[str], x: float, y: float, colors: dict[str, str]) -> tuple[list[str], float]:
    """Legend entries in a row from (x, y), wrapping at 640 px; returns the parts and the height used."""
    parts, cx, cy = [], x, y
    for name in names:
        w = 18 + text_width(name) + 14
        if cx + w > x + 640 and cx > x:
            cx, cy = x, cy + 18
        parts.append(f'<rect x="{cx:.1f}" y="{cy - 9:.1f}" width="12" height="10" fill="{colors[name]}"/>')
        parts.append(_text(cx + 16, cy, name))
        cx += w
    return parts, cy - y + 18


def bar_chart(
    frame: pd.DataFrame,
    label: str,
    values: str | Sequence[str],
    *,
    title: str = "",
    names: dict[str, str] | None = None,
    unit: str = "",
    stacked: bool = False,
    reference: tuple[float, str] | None = None,
    width: int = 760,
) -> Chart:
    """Horizontal bars, one row per row of ``frame`` (in its order), labelled by column ``label``.

    ``values``: one column, or several drawn side by side (``stacked``: end to end), named in the legend
    by ``names`` (column → Chinese name; default the column names). ``reference`` draws a dashed line
    at a value with its label (e.g. ``(95, "目标 95%")``). Missing values are left out.
    """
    columns = [values] if isinstance(values, str) else list(values)
    _require(frame, [label, *columns])
    names = {c: (names or {}).get(c, c) for c in columns}
    colors = {names[c]: PALETTE[i % len(PALETTE)] for i, c in enumerate(columns)}
    data = frame[columns].apply(pd.to_numeric, errors="coerce").astype(float)
    labels = [str(v) for v in frame[label]]
    totals = data.fillna(0).sum(axis=1) if stacked else data.max(axis=1)
    top = max([float(totals.max()) if len(data) else 0.0, reference[0] if reference else 0.0])
    ticks = nice_ticks(top)
    top = ticks[-1] or 1.0
    left = 16 + max([text_width(t) for t in labels] + [40])
    right = width - 70
    legend_parts: list[str] = []
    y0 = 40.0
    if len(columns) > 1:
        legend_parts, legend_h = _legend([names[c] for c in columns], left, y0, colors)
        y0 += legend_h
    bar_h = 16.0
    row_h = bar_h + 8 if stacked or len(columns) == 1 else bar_h * len(columns) + 10
    plot_top = y0 + 6
    height = plot_top + row_h * max(len(labels), 1) + 36

    def xpos(v: float) -> float:
        return left + (right - left) * v / top

    body = [*legend_parts]
    plot_bottom = plot_top + row_h * max(len(labels), 1)
    for t in ticks:
        x = xpos(t)
        body.append(
            f'<line x1="{x:.1f}" y1="{plot_top:.1f}" x2="{x:.1f}" y2="{plot_bottom:.1f}" stroke="#e5e5e5"/>'
        )
        body.append(_text(x, plot_bottom + 16, _number(t), anchor="middle", fill="#555"))
    if unit:
        body.append(_text(right + 20, plot_bottom + 16, unit, fill="#555"))
    if not labels:
        body.append(_text(left, plot_top + 16, MESSAGES["empty"], fill="#888"))
    block = bar_h if stacked or len(columns) == 1 else bar_h * len(columns)
    for i, name in enumerate(labels):
        y = plot_top + i * row_h + 4
        body.append(_text(left - 8, y + block / 2 - 1, name, anchor="end", dominant_baseline="middle"))
        start = 0.0
        for j, column in enumerate(columns):
            value = data.iloc[i][column]
            if pd.isna(value):
                continue
            color = colors[names[column]]
            if stacked:
                x1, x2, by = xpos(start), xpos(start + value), y
                start += value
            else:
                x1, x2, by = xpos(0), xpos(value), y + j * bar_h
            body.append(
                f'<rect x="{x1:.1f}" y="{by:.1f}" width="{max(x2 - x1, 0):.1f}" height="{bar_h - 2:.1f}" '
                f'fill="{color}"><title>{escape(f"{name} {names[column]}：{_number(value)}{unit}")}</title></rect>'
            )
            if not stacked:
                body.append(_text(x2 + 4, by + bar_h / 2 + 4, _number(value), size=11, fill="#333"))
        if stacked:
            body.append(_text(xpos(start) + 4, y + bar_h / 2 + 4, _number(start), size=11, fill="#333"))
    if reference is not None:
        x = xpos(reference[0])
        body.append(
            f'<line x1="{x:.1f}" y1="{plot_top - 4:.1f}" x2="{x:.1f}" y2="{plot_bottom:.1f}" '
            f'stroke="{REFERENCE_COLOR}" stroke-dasharray="5,4"/>'
        )
        body.append(_text(x + 4, plot_top + 8, reference[1], size=11, fill=REFERENCE_COLOR))
    return Chart(_svg(width, height, title, body), title)


def _x_value(value: Any) -> float:
    if isinstance(value, pd.Timestamp):
        return float(value.date().toordinal())
    if isinstance(value, dt.date):
        return float(value.toordinal())
    return float(value)


def _x_label(value: float, dates: bool) -> str:
    if not dates:
        return _number(value)
    day = dt.date.fromordinal(round(value))
    return f"{day.month}月{day.day}日"


def line_chart(
    frame: pd.DataFrame,
    x: str,
    y: str,
    *,
    by: str | None = None,
    dashed: str | None = None,
    dashed_label: str = "",
    title: str = "",
    unit: str = "",
    reference: tuple[float, str] | None = None,
    marks: Sequence[tuple[Any, str]] = (),
    width: int = 760,
    height: int = 380,
) -> Chart:
    """Lines of ``y`` against ``x`` (dates or numbers), one per value of column ``by`` (in order of
    first appearance), coloured alike.

    ``dashed``: a boolean column; its rows are drawn as a dashed continuation of the same line (e.g. a
    projection), named ``dashed_label`` in the legend. ``reference`` draws a horizontal dashed line at a
    ``y`` value with its label; ``marks`` vertical lines at ``x`` values with their labels.
    """
    _require(frame, [c for c in (x, y, by, dashed) if c])
    keys = list(dict.fromkeys(frame[by].astype(str))) if by else [y]
    colors = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}
    dates = len(frame) > 0 and isinstance(frame[x].iloc[0], dt.date | pd.Timestamp)
    xs = [_x_value(v) for v in frame[x]]
    ys = pd.to_numeric(frame[y], errors="coerce").astype(float).tolist()
    mark_xs = [_x_value(v) for v, _ in marks]
    lo, hi = min(xs + mark_xs, default=0.0), max(xs + mark_xs, default=1.0)
    hi = hi if hi > lo else lo + 1
    top = max([v for v in ys if not math.isnan(v)] + [reference[0] if reference else 0.0, 0.0])
    ticks = nice_ticks(top)
    legend_names = [*keys, *([dashed_label] if dashed and dashed_label else [])]
    legend_colors = {**colors, dashed_label: "#999"}
    left, right = 56.0, width - 24.0
    legend_parts, legend_h = (
        _legend(legend_names, left, 42, legend_colors) if len(legend_names) > 1 else ([], 0.0)
    )
    plot_top, plot_bottom = 48 + legend_h, height - 40.0

    def px(v: float) -> float:
        return left + (right - left) * (v - lo) / (hi - lo)

    def py(v: float) -> float:
        return plot_bottom - (plot_bottom - plot_top) * v / (ticks[-1] or 1.0)

    body = [*legend_parts]
    for t in ticks:
        body.append(f'<line x1="{left}" y1="{py(t):.1f}" x2="{right}" y2="{py(t):.1f}" stroke="#e5e5e5"/>')
        body.append(_text(left - 6, py(t) + 4, _number(t), anchor="end", fill="#555"))
    if unit:
        body.append(_text(left - 6, plot_top - 8, unit, anchor="end", fill="#555"))
    for v in _x_ticks(lo, hi, dates):
        body.append(_text(px(v), plot_bottom + 18, _x_label(v, dates), anchor="middle", fill="#555"))
    body.append(f'<line x1="{left}" y1="{plot_bottom}" x2="{right}" y2="{plot_bottom}" stroke="#999"/>')
    groups = frame.assign(_x=xs, _y=ys, _key=frame[by].astype(str) if by else y)
    groups = groups.assign(_dash=groups[dashed].astype(bool) if dashed else False)
    for key in keys:
        for dash in (False, True):
            part = groups[(groups["_key"] == key) & (groups["_dash"] == dash)].dropna(subset=["_y"])
            if part.empty:
                continue
            points = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(part["_x"], part["_y"], strict=True))
            style = ' stroke-dasharray="6,4"' if dash else ""
            body.append(
                f'<polyline points="{points}" fill="none" stroke="{colors[key]}" stroke-width="2"{style}>'
                f"<title>{escape(key)}</title></polyline>"
            )
    if reference is not None:
        body.append(
            f'<line x1="{left}" y1="{py(reference[0]):.1f}" x2="{right}" y2="{py(reference[0]):.1f}" '
            f'stroke="{REFERENCE_COLOR}" stroke-dasharray="5,4"/>'
        )
        body.append(_text(left + 4, py(reference[0]) - 4, reference[1], size=11, fill=REFERENCE_COLOR))
    for value, text in zip(mark_xs, (t for _, t in marks), strict=True):
        body.append(
            f'<line x1="{px(value):.1f}" y1="{plot_top:.1f}" x2="{px(value):.1f}" y2="{plot_bottom:.1f}" '
            'stroke="#555" stroke-dasharray="2,3"/>'
        )
        body.append(_text(px(value) - 4, plot_top + 10, text, size=11, anchor="end", fill="#555"))
    return Chart(_svg(width, height, title, body), title)


def _x_ticks(lo: float, hi: float, dates: bool) -> list[float]:
    if not dates:
        return [lo + t for t in nice_ticks(hi - lo) if lo + t <= hi]
    first, last = dt.date.fromordinal(int(lo)), dt.date.fromordinal(int(hi))
    day = first.replace(day=1)
    out = []
    while day <= last:
        if day >= first:
            out.append(float(day.toordinal()))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out or [lo, hi]
