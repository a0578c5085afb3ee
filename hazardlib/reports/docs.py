"""The figure table of ``docs/reports.md``, rendered from :mod:`.definitions` so that the two agree
(a test checks that the document holds exactly this table)."""

from __future__ import annotations

from .definitions import CARRY_OVER_FIGURES, FIGURES

HEADER = "| 键名 | 指标（单位） | 分组 | 认定日期 | 计入什么 |\n|---|---|---|---|---|"


def figure_table() -> str:
    """The results list's figures as a Markdown table: key, label, group, deciding date, definition; the
    carry-over figures (listed by a campaign that carries over an earlier one's hazards) after the rest."""
    rows = [
        f"| `{f.key}` | {f.header} | {f.group} | {f.deciding_date} | {f.definition.replace('|', '｜')} |"
        for f in (*FIGURES, *CARRY_OVER_FIGURES)
    ]
    return "\n".join([HEADER, *rows])
