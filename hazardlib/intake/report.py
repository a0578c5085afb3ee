"""The report of one file's import: what happened to each row, every finding, and the rows to send back."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import Finding
from .kinds import KINDS

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

# What an import did, in a clerk's words: for each table and outcome, the verb and noun with its measure
# word ("登记整改环节 4 条"). A record moved by another (a hazard's state by its ledger move) is not named.
RECORD_WORDS: dict[str, dict[str, str]] = {
    "enterprises": {"inserted": "登记企业 {n} 户", "updated": "更新企业信息 {n} 户"},
    "self_checks": {"inserted": "登记主体责任自查 {n} 份", "updated": "更新主体责任自查 {n} 份"},
    "inspections": {"inserted": "登记现场检查 {n} 次", "updated": "更新现场检查 {n} 次"},
    "hazards": {"inserted": "登记隐患 {n} 条", "updated": "更正隐患信息 {n} 条"},
    "hazard_events": {"inserted": "登记整改环节 {n} 条"},
    "spot_checks": {"inserted": "登记抽查批次 {n} 批", "updated": "更新抽查批次 {n} 批"},
    "enforcement_cases": {"inserted": "登记案件 {n} 件", "updated": "更新案件 {n} 件"},
    "help_records": {"inserted": "登记质量帮扶 {n} 次", "updated": "更新质量帮扶 {n} 次"},
    "risk_signals": {"inserted": "登记风险信息 {n} 条", "updated": "更新风险信息 {n} 条"},
    "instruments": {"inserted": "登记文书 {n} 份", "updated": "登记文书送达、回复情况 {n} 份"},
    "tracing_tasks": {"updated": "办理双向追查任务 {n} 项"},
    "written_reports": {"inserted": "登记书面报送 {n} 份", "updated": "更新书面报送 {n} 份"},
}
# Tables whose changes a kind's summary leaves out: they follow from the ones it names.
FOLLOWING: dict[str, set[str]] = {"rectifications": {"hazards"}}


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

    def done_words(self) -> list[str]:
        """What was (or would be) written, record kind by record kind, in a clerk's words."""
        skip = FOLLOWING.get(self.kind, set())
        words = []
        for table, outcomes in self.records.items():
            if table in skip:
                continue
            for outcome in ("inserted", "updated"):
                phrase = RECORD_WORDS.get(table, {}).get(outcome)
                if phrase and outcomes.get(outcome):
                    words.append(phrase.format(n=outcomes[outcome]))
        return words

    def summary(self) -> str:
        """One line in Chinese: what was (or would be) done with the file's rows."""
        label = KINDS[self.kind].label if self.kind in KINDS else self.kind
        verb = "试导入（未写入）" if self.dry_run else "导入"
        counts = "，".join(self.done_words() or ["没有新登记或更新的记录"])
        others = [f"与库中相同 {self.unchanged} 行" if self.unchanged else "", f"未导入 {self.rejected} 行"]
        counts += "；" + "，".join(x for x in others if x)
        extra = []
        if self.example_rows:
            extra.append(f"示例行 {self.example_rows} 行已忽略")
        warnings = sum(1 for f in self.findings if f.severity == "warning")
        if warnings:
            extra.append(f"提示 {warnings} 条")
        tail = f"（{'；'.join(extra)}）" if extra else ""
        return f"{verb}“{self.file}”（{label}）：{counts}{tail}"
