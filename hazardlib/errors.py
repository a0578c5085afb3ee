"""Findings and the small exception hierarchy of the workbook.

A *finding* is one problem with one value: where it is (file, sheet, row, column/field), what the
value was, and a message in Chinese that a county clerk can act on. Validation gathers findings and
never stops at the first; code raises only at a boundary (saving, exporting), with every finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One problem with one value, located as precisely as the source allows."""

    code: str
    message: str
    field: str | None = None
    value: Any = None
    row: int | None = None
    sheet: str | None = None
    file: str | None = None
    severity: str = "error"

    def located(self, **where: Any) -> Finding:
        """The same finding with more of its location filled in (row, sheet, file…)."""
        data = asdict(self)
        data.update({k: v for k, v in where.items() if v is not None})
        return Finding(**data)

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(f"文件“{self.file}”")
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.field:
            parts.append(f"“{self.field}”")
        where = "".join(parts)
        return f"{where}：{self.message}" if where else self.message


class HazardError(Exception):
    """Base of every error the workbook raises on purpose; its message is Chinese."""


class ValidationFailed(HazardError):
    """Input was refused; carries every finding, not only the first."""

    def __init__(self, findings: Iterable[Finding]):
        self.findings = list(findings)
        super().__init__("；".join(str(f) for f in self.findings) or "数据校验未通过")


class UnknownCounty(HazardError):
    """A county code that is not one of the prefecture's counties."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(f"县（市）代码“{code}”不是黔南州所辖县（市）的行政区划代码")


class UnknownProduct(HazardError):
    """A product category or sub-product that is not in the catalogue."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(f"产品“{code}”不在重点产品目录中")


class CampaignNotFound(HazardError):
    """No campaign calendar file for the year asked."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(f"没有{year}年度的行动日历（data/campaigns/campaign-{year}.toml）")


class CalendarOutOfRange(HazardError):
    """A deadline needs a year the holiday calendar does not know (neither ``data/holidays/YYYY.toml`` nor
    chinesecalendar): working days cannot be counted, nor can a calendar-day period's last day be checked."""

    def __init__(self, day: Any, file: str = ""):
        self.day, self.file = day, file
        where = (
            f"{file}（按国务院办公厅当年的节假日安排通知填写，格式见 data/README.md）"
            if file
            else "该年的节假日文件"
        )
        super().__init__(
            f"日期 {day} 超出了法定节假日日历的已知年份，无法按工作日计算期限，也无法判断期限的最后一日是否为法定休假日；"
            f"请添加 {where}，或直接填写整改期限日期"
        )


class NotFound(HazardError):
    """A record that does not exist (or is not visible to this session)."""

    def __init__(self, kind: str, key: Any):
        self.kind, self.key = kind, key
        super().__init__(f"找不到{kind}“{key}”")


class OutOfScope(HazardError):
    """A county session touched a record of another county."""

    def __init__(self, session_county: str, record_county: str | None):
        self.session_county, self.record_county = session_county, record_county
        super().__init__(
            f"本会话只能处理县（市）{session_county}的数据，无权访问{record_county or '其他地区'}的记录"
        )


class IllegalMove(HazardError):
    """A hazard lifecycle move that the rectification ledger does not allow from its state."""

    def __init__(self, hazard_id: int, state: str, move: str, reason: str, what: str = "隐患"):
        self.hazard_id, self.state, self.move = hazard_id, state, move
        super().__init__(f"{what} {hazard_id} 当前状态为“{state}”，不能执行“{move}”：{reason}")


class StaleRecord(HazardError):
    """Optimistic concurrency: someone else saved the record since it was read."""

    def __init__(self, kind: str, key: Any, by: str | None, at: Any):
        self.kind, self.key, self.by, self.at = kind, key, by, at
        super().__init__(
            f"{kind}“{key}”已被 {by or '其他用户'} 于 {at} 修改，请刷新后重新保存（未覆盖对方的修改）"
        )


class StoreError(HazardError):
    """The store cannot be opened, upgraded or written as asked."""


class MigrationRefused(StoreError):
    """A migration cannot carry the store's rows over as they are (the message names them and why); nothing was
    changed. Raised by a migration, so that ``hazard init`` shows its message."""
