"""Word drafts of the stage summary (阶段性工作总结) and the work summary (工作总结), python-docx.

A draft has the title, the unit's figures (a table of every figure of the results list), progress
against each stage, the notable problems by product category and field, the typical cases, and places
for staff to write the difficulties and next steps. It says plainly that it is a draft to be checked,
edited and stamped before it is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..reports.definitions import ANY_KEY
from ..reports.labels import bureau
from ..reports.summaries import Summary
from ..store import PREFECTURE_CODE
from ..vocab import date_label
from .report_forms import plan_group

BODY_FONT, TITLE_FONT, HEADING_FONT = "仿宋_GB2312", "方正小标宋简体", "黑体"
NUMERALS = "一二三四五六七八九十"
TO_FILL = "（请填写）"


def _md(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def _font(run: Any, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    # python-docx sets only the Latin fonts (ascii, hAnsi); Chinese text takes the East Asian one, which
    # has no property of its own: it is set on the run's XML through the font's public ``element``.
    run.font.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def paragraph(doc: Any, text: str = "", *, font: str = BODY_FONT, size: float = 16, bold: bool = False,
          align: Any = None, indent: bool = True) -> Any:  # fmt: skip
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.line_spacing = Pt(28)
    if text:
        _font(p.add_run(text), font, size, bold)
    return p


def _heading(doc: Any, text: str) -> None:
    paragraph(doc, text, font=HEADING_FONT, size=16)


def _to_fill(doc: Any, text: str) -> None:
    p = paragraph(doc)
    run = p.add_run(text)
    _font(run, BODY_FONT, 16)
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def grid_table(
    doc: Any, headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float]
) -> Any:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), HEADING_FONT, 10.5)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run("" if value is None else str(value)), BODY_FONT, 10.5)
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    return table


def _value(key: str, value: Any) -> str:
    if value is None:
        return "—"
    figure = ANY_KEY.get(key)
    if figure is not None and figure.kind == "rate":
        return f"{value:.1f}%"
    return str(value)


def _overview(s: Summary) -> str:
    f = s.figures

    def rate(key: str) -> str:
        return "—" if f.get(key) is None else f"{f[key]:.1f}%"

    return (
        f"截至{date_label(s.scope.as_of)}，共检查生产单位{f['producers_inspected']}家次、销售单位{f['sellers_inspected']}家次，"
        f"组织{f['self_checks']}家企业开展质量安全主体责任落实情况自查，企业主动报告重大质量安全风险{f['major_risks_self_reported']}项；"
        f"发现质量安全隐患{f['hazards_found']}项（其中重大隐患{f['hazards_major']}项、较大隐患{f['hazards_larger']}项、"
        f"一般隐患{f['hazards_general']}项），完成整改销号{f['hazards_closed']}项，整改率{rate('closure_rate')}，"
        f"逾期未整改{f['hazards_overdue']}项。开展监督抽查{f['spot_check_batches']}批次（生产环节{f['spot_checks_production']}批次、"
        f"流通领域{f['spot_checks_circulation']}批次、网络销售{f['spot_checks_online']}批次、农村市场{f['spot_checks_rural_market']}批次），发现不合格{f['unqualified_batches']}批次，"
        f"不合格发现率{rate('unqualified_rate')}，开展双向追查{f['two_way_traces']}次、跟踪抽查{f['follow_up_checks']}批次。"
        f"约谈企业{f['enterprises_interviewed']}家，立案查处{f['cases_filed']}件，移送稽查或公安{f['transfers']}件，"
        f"曝光典型案例{f['typical_cases_published']}件；帮扶企业{f['enterprises_helped']}家，开展质量问诊{f['quality_clinics']}次，"
        f"发送整改指导意见书{f['guidance_letters']}份；对{f['key_supervision']}家企业实施重点监管、{f['special_supervision']}家企业实施特别监管。"
    ) + _carried_over(f)


def _carried_over(f: Mapping[str, Any]) -> str:
    """The sentence on the hazards carried over from earlier campaigns (empty for a campaign without)."""
    if "hazards_carried_over" not in f:
        return ""
    return (
        f"上年度结转未销号隐患{f['hazards_carried_over']}项（不计入本年度发现隐患），本年度已完成整改销号"
        f"{f['hazards_carried_over_closed']}项，逾期未整改{f['hazards_carried_over_overdue']}项。"
    )


def _figures_table(doc: Any, s: Summary) -> None:
    rows = []
    for key, value in s.figures.items():
        figure = ANY_KEY.get(key)
        group = plan_group(figure) if figure else "其他"
        header = figure.header if figure else s.extra_labels.get(key, key)
        rows.append((group, header, _value(key, value)))
    table = grid_table(doc, ("类别", "指标", "数值"), rows, (3.0, 8.0, 3.5))
    start = 1
    for end in range(2, len(rows) + 2):  # one merged 类别 cell per group
        if end == len(rows) + 1 or rows[end - 1][0] != rows[start - 1][0]:
            if end - 1 > start:
                merged = table.cell(start, 0).merge(table.cell(end - 1, 0))
                merged.text = ""
                _font(merged.paragraphs[0].add_run(rows[start - 1][0]), BODY_FONT, 10.5)
            start = end


def _stages(doc: Any, s: Summary) -> None:
    for st in s.stages.to_dict("records"):
        head = f"{st['title']}（{_md(st['start'])}—{_md(st['end'])}，{st['status']}）"
        if st["status"] == "未开始":
            paragraph(doc, f"{head}。")
            continue
        coverage = "—" if st["self_check_coverage"] is None else f"{st['self_check_coverage']:.1f}%"
        text = (
            f"{head}：组织企业自查{st['self_checks']}家（自查覆盖率{coverage}），开展现场检查{st['inspections']}次，"
            f"本阶段新登记隐患和风险{st['hazards_found']}项、销号{st['hazards_closed']}项；阶段末（或截至统计日）"
            f"未销号的隐患和风险{st['open_hazards']}项，其中逾期{st['overdue_hazards']}项。"
        )
        text += "工作按期推进。" if st["on_track"] else f"进度滞后：{st['lagging_reasons']}。"
        paragraph(doc, text)


def _problems(doc: Any, s: Summary) -> None:
    p = s.problems
    if p.empty:
        paragraph(doc, "截至统计日未发现质量安全隐患。")
        return
    top = p.iloc[0]
    paragraph(
        doc,
        f"发现的隐患主要集中在{top['category_name']}（{top['field_label']}，{top['hazards']}项）等产品，"
        f"主要问题为{top['problems']}。各类产品、领域的隐患见下表。",
    )
    rows = [
        (
            r["category_name"],
            r["field_label"],
            r["hazards"],
            r["major"],
            r["larger"],
            r["general"],
            r["closed"],
            r["problems"],
        )
        for r in p.to_dict("records")
    ]
    grid_table(doc, ("产品类别", "领域", "隐患", "重大", "较大", "一般", "已销号", "主要问题"), rows,
           (2.6, 1.8, 1.1, 1.1, 1.1, 1.1, 1.3, 5.5))  # fmt: skip


def _cases(doc: Any, s: Summary) -> None:
    if s.cases.empty:
        paragraph(doc, "截至统计日暂无曝光的典型案例。")
        return
    for i, c in enumerate(s.cases.to_dict("records")):
        n = NUMERALS[i] if i < len(NUMERALS) else str(i + 1)
        paragraph(doc, f"（{n}）{c['enterprise_name']}{c['violation_label']}案", font=HEADING_FONT)
        text = f"{date_label(c['filed_date'])}立案。{c['facts'] or '案情：' + TO_FILL}"
        if c["penalty"]:
            text += f"处罚结果：{c['penalty']}。"
        follow = []
        if c["transfer_label"]:
            follow.append(f"移送{c['transfer_label']}")
        if c["dishonesty_listed"]:
            follow.append("列入严重违法失信名单")
        if c["licence_revoked"]:
            follow.append("撤销许可证")
        if follow:
            text += "；".join(follow) + "。"
        paragraph(doc, text)


def draft_document(banner: str) -> DocxDocument:
    """A new A4 document with an official document's margins and body font, opening with ``banner``: the
    red note that it is a draft, to check and delete before it is sent."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    run = paragraph(doc, indent=False).add_run(banner)
    _font(run, HEADING_FONT, 12, bold=True)
    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    return doc


def write_summary(summary: Summary, path: str | Path, *, made_on: dt.date | None = None) -> Path:
    """Write the Word draft of ``summary`` at ``path``, dated ``made_on`` (the submission's) or else the
    as-of date of its figures — never the machine's clock."""
    s = summary
    doc = draft_document(
        f"【草稿】本稿由工作台根据截至{date_label(s.scope.as_of)}的数据自动生成，请核实数据、修改完善后加盖公章报送"
        + (f"（报送期限：{date_label(s.due)}前）" if s.due else "")
        + "。报送前请删除本段。"
    )

    paragraph(doc, s.title, font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    paragraph(doc, "")
    recipient = "贵州省市场监督管理局：" if s.scope.unit_code == PREFECTURE_CODE else "黔南州市场监督管理局："
    paragraph(doc, recipient, indent=False)
    source = s.scope.campaign.source or s.scope.campaign.title
    paragraph(
        doc, f"按照《{source}》要求，我局扎实推进重点工业产品质量安全隐患排查治理行动，现将工作情况报告如下："
    )

    _heading(doc, "一、工作开展情况")
    paragraph(doc, _overview(s))
    paragraph(doc, "主要指标见下表（统计口径与行动成果清单一致）。")
    _figures_table(doc, s)
    _to_fill(doc, f"主要做法和成效：{TO_FILL}")

    _heading(doc, "二、各阶段工作进展")
    _stages(doc, s)

    _heading(doc, "三、发现的主要问题")
    _problems(doc, s)
    if s.kind == "work" or len(s.unrectified):
        overdue = int(s.unrectified["overdue"].sum()) if len(s.unrectified) else 0
        paragraph(
            doc,
            f"截至统计日尚未完成整改销号的隐患{len(s.unrectified)}项，其中逾期{overdue}项，将持续督促整改并书面报送整改完成情况。",
        )

    _heading(doc, "四、典型案例")
    _cases(doc, s)

    _heading(doc, "五、存在的困难和问题")
    _to_fill(doc, TO_FILL)
    _heading(doc, "六、下一步工作打算")
    _to_fill(doc, TO_FILL)

    paragraph(doc, "")
    paragraph(doc, f"{bureau(s.scope.unit_code)}（盖章）", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    paragraph(doc, date_label(made_on or s.scope.as_of), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(target))
    return target
