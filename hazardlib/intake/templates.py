"""Blank templates the counties and enterprises fill in Excel or WPS.

Each template has the kind's data sheet (a 序号 column, then the canonical columns, required ones marked
with * in red; an example row marked 示例 that the import ignores; frozen header; dates formatted as
dates; dropdowns from the reference data), an instructions sheet (说明), a hidden ``lists`` sheet
holding the dropdowns behind named ranges (Excel limits inline lists to 255 characters), and a hidden
``_meta`` sheet that tells the import the kind.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from ..store import Store
from .choices import LIST_TITLES, choice_lists
from .columns import EXAMPLE_MARK, ROW_NO_HEADER, Column, KindSpec
from .fill import template_rows
from .kinds import KINDS, TEMPLATE_KINDS
from .normalise import date as parse_date
from .readers import INSTRUCTIONS_SHEET, LISTS_SHEET, META_SHEET
from .safety import LIMITS

DATE_FORMAT = "yyyy-mm-dd"
HEADER_FILL = PatternFill("solid", start_color="FFD9E1F2", end_color="FFD9E1F2")
EXAMPLE_FONT = Font(italic=True, color="FF808080")
REQUIRED_FONT = Font(bold=True, color="FFC00000")
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
THIN = Side(style="thin", color="FFBFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LAST_ROW = 1_048_576
TEMPLATE_VERSION = "1"

TYPE_NOTES = {
    "date": "日期，如 2024-06-03（也接受 2024/6/3、2024.6.3、2024年6月3日）",
    "int": "整数",
    "yes_no": "是 / 否",
    "uscc": "18位统一社会信用代码，请设为文本格式",
    "sub_products": "重点产品名称或代码，多个用顿号分隔",
    "hazard_id": "整改台账导出表中的隐患编号",
}


def write_template(kind: str, path: str | Path, store: Store | None = None, year: int | None = None) -> Path:
    """Write the template of ``kind`` (one of :data:`TEMPLATE_KINDS`) to ``path`` and return it: blank,
    or — given a ``store`` — filled with the store's records of that kind (the session's county only),
    ready to be corrected and imported again. Its product dropdowns list campaign ``year``'s key
    products (every category when no year is given).

    Raises ValueError (Chinese message) for an unknown kind.
    """
    if kind not in KINDS:
        raise ValueError(f"模板类型“{kind}”无效，应为：{'、'.join(TEMPLATE_KINDS)}")
    spec = KINDS[kind]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    data = book.active
    assert data is not None
    data.title = spec.sheet
    instructions = book.create_sheet(INSTRUCTIONS_SHEET)
    names = _lists_sheet(book, spec, year)
    _data_sheet(data, spec, names)
    if store is not None:
        _fill(data, spec, template_rows(store, kind))
    _instructions(instructions, spec, year)
    meta = book.create_sheet(META_SHEET)
    for key, value in (
        ("kind", spec.name),
        ("label", spec.label),
        ("sheet", spec.sheet),
        ("header_row", "1"),
        ("example_row", "2"),
        ("template_version", TEMPLATE_VERSION),
        ("hazardlib", __version__),
        ("written", dt.date.today().isoformat()),
    ):
        meta.append([key, value])
    meta.sheet_state = "hidden"
    book.active = 0
    book.save(path)
    return path


def _width(column: Column) -> float:
    if column.width:
        return column.width
    return max(10, min(40, 2.2 * len(column.marked_header) + 2))


def _lists_sheet(book: Workbook, spec: KindSpec, year: int | None) -> dict[str, str]:
    """The hidden sheet of dropdown lists this template uses; returns list name → defined name."""
    wanted = sorted({c.choices for c in spec.columns if c.choices})
    sheet = book.create_sheet(LISTS_SHEET)
    names: dict[str, str] = {}
    lists = choice_lists(year)
    for index, name in enumerate(wanted, start=1):
        letter = get_column_letter(index)
        sheet.cell(1, index, LIST_TITLES.get(name, name)).font = HEADER_FONT
        for row, value in enumerate(lists[name], start=2):
            sheet.cell(row, index, value)
        sheet.column_dimensions[letter].width = 28
        defined = f"list_{name}"
        ref = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(lists[name]) + 1}"
        book.defined_names[defined] = DefinedName(defined, attr_text=ref)
        names[name] = defined
    sheet.sheet_state = "hidden"
    return names


def _data_sheet(sheet: Worksheet, spec: KindSpec, names: dict[str, str]) -> None:
    sheet.cell(1, 1, ROW_NO_HEADER)
    sheet.cell(2, 1, EXAMPLE_MARK)
    sheet.column_dimensions["A"].width = 8
    for index, column in enumerate(spec.columns, start=2):
        letter = get_column_letter(index)
        head = sheet.cell(1, index, column.marked_header)
        head.font = REQUIRED_FONT if column.marked_header.startswith("*") else HEADER_FONT
        note = _column_note(column)
        if note:
            head.comment = Comment(note, "模板说明", width=300, height=80)
        example = sheet.cell(2, index, _example_value(column))
        example.font = EXAMPLE_FONT
        sheet.column_dimensions[letter].width = _width(column)
        if column.type == "date":
            sheet.column_dimensions[letter].number_format = DATE_FORMAT
            example.number_format = DATE_FORMAT
            for row in range(3, 203):  # cells already formatted for the first rows typed in
                sheet.cell(row, index).number_format = DATE_FORMAT
        elif column.type in ("uscc", "hazard_id", "text", "sub_products"):
            sheet.column_dimensions[letter].number_format = "@"
        if column.choices:
            rule = DataValidation(
                type="list",
                formula1=names[column.choices],
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",
                errorTitle="请从下拉列表中选择",
                error=f"“{column.header}”请从下拉列表中选择；常见的其他写法导入时也能识别。",
                promptTitle=column.header,
                prompt=(column.note or "请从下拉列表中选择")[:250],
                showInputMessage=bool(column.note),
            )
            rule.add(f"{letter}2:{letter}{LAST_ROW}")
            sheet.add_data_validation(rule)
    sheet.cell(1, 1).font = HEADER_FONT
    sheet.cell(2, 1).font = EXAMPLE_FONT
    for cell in sheet[1]:
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[1].height = 32
    sheet.freeze_panes = "B2"


def _fill(sheet: Worksheet, spec: KindSpec, rows: list[dict[str, object]]) -> None:
    for number, values in enumerate(rows, start=3):
        sheet.cell(number, 1, number - 2)
        for index, column in enumerate(spec.columns, start=2):
            value = values.get(column.key)
            if value is None:
                continue
            cell = sheet.cell(number, index, value)
            if column.type == "date":
                cell.number_format = DATE_FORMAT
            elif isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, never a formula


def _example_value(column: Column) -> object:
    if column.example is None:
        return None
    if column.type == "date":
        return parse_date(column.example)
    return column.example


# What a column that may stay blank when another is filled (``unless``) is paired with, in the notes.
UNLESS_WORDS = {"category_code": "“产品类别”"}


def _column_note(column: Column) -> str:
    parts = []
    if column.always_required:
        parts.append("必填。")
    elif column.required:
        parts.append(f"与{UNLESS_WORDS.get(column.unless or '', '另一列')}至少填一项。")
    elif column.required_with:
        parts.append("填写该组信息时必填。")
    if column.note:
        parts.append(column.note)
    elif column.type in TYPE_NOTES:
        parts.append(TYPE_NOTES[column.type])
    return "".join(parts)


def _instructions(sheet: Worksheet, spec: KindSpec, year: int | None) -> None:
    lists = choice_lists(year)
    lines = [
        (f"{spec.label}导入模板 · 填写说明", TITLE_FONT),
        ("", None),
        (f"1. 在“{spec.sheet}”工作表中填写，{spec.row_note}", None),
        (
            "2. 表头前带 * 且为红色的是必填列；不要修改表头文字，可以删除不用的选填列，也可以在最后增加自己的列（导入时忽略）。",
            None,
        ),
        (f"3. 第 2 行是示例（序号列为“{EXAMPLE_MARK}”），导入时忽略；可以删除，也可以保留。", None),
        ("4. 日期写作 2024-06-03（也接受 2024/6/3、2024.6.3、2024年6月3日）；是否类填“是”或“否”。", None),
        ("5. 带下拉箭头的列请从下拉列表中选择；常见的其他写法（如“重大隐患”“合格品”）导入时也能识别。", None),
        (
            f"6. 唯一标识（用于判断新增还是更新）：{spec.key}。同一文件再次导入不会重复登记；改正后的文件会更新对应记录。",
            None,
        ),
    ]
    n = 7
    if spec.enterprise_note:
        lines.append((f"{n}. {spec.enterprise_note}", None))
        n += 1
    for note in spec.notes:
        lines.append((f"{n}. {note}", None))
        n += 1
    lines.append(
        (
            f"{n}. 导入：hazard import 文件名.xlsx（先加 --dry-run 试导入；加 --findings 问题.xlsx 得到标出问题单元格的文件）。"
            f"每个文件最多 {LIMITS.max_rows:,} 行，单元格不超过 {LIMITS.max_cell_chars:,} 个字符。",
            None,
        )
    )
    for row, (text, font) in enumerate(lines, start=1):
        cell = sheet.cell(row, 1, text)
        if font is not None:
            cell.font = font
    start = len(lines) + 2
    for index, title in enumerate(("列名", "是否必填", "填写说明", "可选值", "示例"), start=1):
        cell = sheet.cell(start, index, title)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
    for offset, column in enumerate(spec.columns, start=1):
        required = (
            "必填"
            if column.always_required
            else "至少填一项"
            if column.required
            else ("该组信息填写时必填" if column.required_with else "选填")
        )
        options = ""
        if column.choices:
            values = lists[column.choices]
            options = (
                "、".join(values) if len("、".join(values)) <= 120 else f"见下拉列表（共 {len(values)} 项）"
            )
        example = column.example if column.example is not None else ""
        values_row = (
            column.header,
            required,
            _column_note(column).removeprefix("必填。"),
            options,
            str(example),
        )
        for index, value in enumerate(values_row, start=1):
            cell = sheet.cell(start + offset, index, value)
            cell.border = BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if index == 2 and column.always_required:
                cell.font = REQUIRED_FONT
    for letter, width in zip("ABCDE", (26, 16, 60, 50, 26), strict=True):
        sheet.column_dimensions[letter].width = width
