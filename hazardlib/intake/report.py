"""The report of one file's import: what happened to each row, every finding, and the rows to send back."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import Finding
from .kinds import KINDS

OUTCOME_LABELS = {"inserted": "新增", "updated": "更新", "unchanged": "未变", "rejected": "未导入"}
FINDING_COLUMNS = {
    "file": "文件",
    "sheet": "工作表",
    "row": "行号",
    "field": "列",
    "value": "填写的内容",
    "message": "问题",
    "severity": "级别",
    "code": "代码",
}
SEVERITY_LABELS = {"error": "错误（本行未导入）", "warning": "提示（已导入）"}


@dataclass
class SheetCopy:
    """The header and the rows with findings of one sheet, kept to write them back highlighted."""

    name: str
    header_row: int
    header: list[Any]
    positions: dict[str, int]  # column key -> position
    written: dict[str, str]  # column key -> header as written
    rows: dict[int, list[Any]] = field(default_factory=dict)  # Excel row number -> values


@dataclass
class ImportReport:
    """What importing one file did (or, in a dry run, would do)."""

    file: str
    kind: str
    sha256: str
    dry_run: bool = False
    rows: Counter[str] = field(default_factory=Counter)  # inserted / updated / unchanged / rejected
    records: dict[str, Counter[str]] = field(default_factory=dict)  # table -> outcome -> count
    findings: list[Finding] = field(default_factory=list)
    sheets: list[SheetCopy] = field(default_factory=list)
    blank_rows: int = 0
    example_rows: int = 0
    previous_imports: list[dict[str, Any]] = field(default_factory=list)

    @property
    def inserted(self) -> int:
        return self.rows["inserted"]

    @property
    def updated(self) -> int:
        return self.rows["updated"]

    @property
    def unchanged(self) -> int:
        return self.rows["unchanged"]

    @property
    def rejected(self) -> int:
        return self.rows["rejected"]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def findings_frame(self) -> pd.DataFrame:
        """Every finding as a table with Chinese column names, in file order."""
        frame = pd.DataFrame(
            [{k: getattr(f, k) for k in FINDING_COLUMNS} for f in self.findings],
            columns=list(FINDING_COLUMNS),
        )
        frame["severity"] = frame["severity"].map(lambda s: SEVERITY_LABELS.get(s, s))
        frame["value"] = frame["value"].map(lambda v: "" if v is None else str(v))
        return frame.rename(columns=FINDING_COLUMNS)

    def summary(self) -> str:
        """One line in Chinese: what was (or would be) done with the file's rows."""
        label = KINDS[self.kind].label if self.kind in KINDS else self.kind
        verb = "试导入（未写入）" if self.dry_run else "导入"
        counts = "，".join(f"{OUTCOME_LABELS[k]} {self.rows[k]} 行" for k in OUTCOME_LABELS)
        extra = []
        if self.example_rows:
            extra.append(f"示例行 {self.example_rows} 行已忽略")
        warnings = sum(1 for f in self.findings if f.severity == "warning")
        if warnings:
            extra.append(f"提示 {warnings} 条")
        tail = f"（{'；'.join(extra)}）" if extra else ""
        return f"{verb}“{self.file}”（{label}）：{counts}{tail}"
