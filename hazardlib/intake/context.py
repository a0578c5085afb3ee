"""What every kind's import shares: the row being read, its findings, enterprise look-up and
registration, duplicate detection, model validation mapped back to the file's columns, and the
per-row savepoint that keeps a refused write from touching anything else.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel

from .. import models, records, schema, vocab
from ..errors import Finding, HazardError, ValidationFailed
from ..store import Store, Tx
from . import normalise
from .columns import KindSpec
from .report import ImportReport

M = TypeVar("M", bound=BaseModel)
E = schema.enterprises

MESSAGES = {
    "required": "必填，不能为空",
    "required_with": "填写了{group}时必填",
    "too_long": "单元格有 {n} 个字符，超过 Excel 允许的上限 {limit} 个；本行未导入",
    "duplicate_same": "与第{row}行重复（{key}相同，内容也相同）；本行未导入",
    "duplicate_diff": "与第{row}行重复（{key}相同，但内容不同）；请核对后只保留一行，本行未导入",
    "uscc_unknown": "库中没有统一社会信用代码为“{uscc}”的企业；如需同时登记该企业，请在本行填写企业名称、所属县（市）和企业类型",
    "name_unknown": "库中没有名为“{name}”的企业；请填写统一社会信用代码（登记新企业还须填写所属县（市）和企业类型）",
    "name_ambiguous": "库中有 {n} 家名为“{name}”的企业，请填写统一社会信用代码以区分",
    "name_differs": "企业名称与库中登记的“{stored}”不一致，已按统一社会信用代码匹配",
    "registered": "企业不在库中，已按本行信息登记",
    "write": "未能保存：{reason}",
}

GROUP_LABELS = {"hazard": "隐患信息", "item": "风险管控清单", "producer": "生产单位", "seller": "销售单位"}


@dataclass(slots=True)  # one per row read, up to a batch of them held at once: no per-object dict
class SourceRow:
    """One data row of the file: where it is, its cells by column key, and what it said verbatim."""

    sheet: str
    number: int
    cells: dict[str, Any]
    headers: Mapping[str, str]
    raw: list[Any]
    originals: dict[str, Any] = field(default_factory=dict)  # column key -> the cell as written
    # none until the first (most rows have none: no empty list per row)
    findings: list[Finding] | tuple[()] = ()

    @property
    def rejected(self) -> bool:
        return any(f.severity == "error" for f in self.findings)


@dataclass
class PendingEnterprise:
    """An enterprise the row names that is not in the store but can be registered from the row."""

    enterprise: models.Enterprise


class ImportContext:
    """The state of one file's import inside its transaction."""

    def __init__(self, store: Store, tx: Tx, spec: KindSpec, report: ImportReport, today: dt.date | None):
        self.store, self.tx, self.spec, self.report = store, tx, spec, report
        self.today = today
        self._by_uscc: dict[str, tuple[int, str, str]] = {}  # code -> id, name, county
        self._by_name: dict[str, list[int]] | None = None
        self._seen: dict[int, tuple[int, int]] = {}  # hash of a key -> (row, hash of its content)

    @property
    def conn(self) -> sa.Connection:
        return self.tx.conn

    # -- findings -------------------------------------------------------------------------------
    def finding(
        self,
        row: SourceRow,
        code: str,
        message: str,
        column: str | None = None,
        value: Any = None,
        severity: str = "error",
    ) -> Finding:
        header = row.headers.get(column) if column else None
        if column and header is None:
            header = (
                self.spec.column(column).header if any(c.key == column for c in self.spec.columns) else column
            )
        found = Finding(
            code=code,
            message=message,
            field=header,
            value=models.shown(row.originals.get(column)) if value is None and column else value,
            row=row.number,
            sheet=row.sheet,
            file=self.report.file,
            severity=severity,
        )
        same_cell = [f for f in row.findings if f.field == header and f.severity == "error"]
        if not (column and severity == "error" and same_cell):  # one error per cell: the first, most specific
            row.findings = [*row.findings, found]
        return found

    # -- validation -----------------------------------------------------------------------------
    def check(
        self,
        row: SourceRow,
        model: type[M],
        data: Mapping[str, Any],
        titles: Mapping[str, str],
        codes: Mapping[str, str] | None = None,
    ) -> M | None:
        """``data`` as ``model``; each pydantic finding is put on the file's column whose model title it
        names (``titles``: model title → column key; ``codes``: error code → column key for checks that
        span several fields)."""
        record, found = models.check(model, data, today=self.today)
        self._place(row, found, titles, codes)
        return record

    def check_many(
        self,
        rows: Sequence[SourceRow],
        model: type[M],
        data: Sequence[Mapping[str, Any]],
        titles: Mapping[str, str],
    ) -> list[M | None]:
        """:meth:`check` of each row's ``data`` (in the rows' order), validated as one batch
        (:func:`hazardlib.models.check_many`): the same records and the same findings."""
        out = []
        for row, (record, found) in zip(rows, models.check_many(model, data, today=self.today), strict=True):
            self._place(row, found, titles, None)
            out.append(record)
        return out

    def _place(
        self, row: SourceRow, found: list[Finding], titles: Mapping[str, str], codes: Mapping[str, str] | None
    ) -> None:
        for f in found:
            column = titles.get(f.field or "") or (codes or {}).get(f.code)
            self.finding(row, f.code, f.message, column, f.value if column is None else None)

    # -- enterprises ----------------------------------------------------------------------------
    def enterprise(
        self,
        row: SourceRow,
        *,
        name_key: str = "enterprise_name",
        uscc_key: str = "uscc",
        county_key: str | None = "enterprise_county",
        field_key: str | None = "enterprise_field",
        county: Any = None,
    ) -> int | PendingEnterprise | None:
        """The enterprise a row names: by 统一社会信用代码, else by a name unique in the store.

        An enterprise not in the store is returned as :class:`PendingEnterprise` when the row carries
        its name, code, county and field; otherwise a finding is recorded and None returned.
        """
        cells = row.cells
        name, code = cells.get(name_key), cells.get(uscc_key)
        if code:
            try:
                code = models.check_uscc(code)
            except Exception as exc:  # PydanticCustomError carries the Chinese reason
                self.finding(row, "uscc", str(exc), uscc_key, cells.get(uscc_key))
                return None
            found = self._uscc(code)
            if found is not None and self.store.county not in (None, found[2]):
                held = records.held_elsewhere(code)  # the county learns that, and nothing of the other's
                self.finding(row, held.code, held.message, uscc_key, code)
                return None
            if found is not None:
                if name and vocab.clean_name(name) != found[1]:
                    self.finding(
                        row,
                        "name_differs",
                        MESSAGES["name_differs"].format(stored=found[1]),
                        name_key,
                        severity="warning",
                    )
                return found[0]
            county_value = cells.get(county_key) if county_key else county
            field_value = cells.get(field_key) if field_key else None
            if name and county_value and field_value:
                data = {"uscc": code, "name": name, "county_code": county_value, "field": field_value}
                titles = {"统一社会信用代码": uscc_key, "企业名称": name_key}
                if county_key:
                    titles["所属县（市）"] = county_key
                if field_key:
                    titles["企业类型"] = field_key
                new = self.check(row, models.Enterprise, data, titles)
                return PendingEnterprise(new) if new is not None else None
            self.finding(
                row, "enterprise_unknown", MESSAGES["uscc_unknown"].format(uscc=code), uscc_key, code
            )
            return None
        if not name:
            return None
        ids = self._names().get(vocab.clean_name(name), [])
        if len(ids) == 1:
            return ids[0]
        if ids:
            self.finding(
                row,
                "enterprise_ambiguous",
                MESSAGES["name_ambiguous"].format(n=len(ids), name=name),
                name_key,
            )
        else:
            self.finding(row, "enterprise_unknown", MESSAGES["name_unknown"].format(name=name), name_key)
        return None

    def enterprise_id(self, row: SourceRow, found: int | PendingEnterprise) -> int:
        """The id of a found enterprise, registering a pending one (inside the row's savepoint)."""
        if isinstance(found, int):
            return found
        eid, outcome = records.save_enterprise(self.tx, found.enterprise)
        self.count("enterprises", outcome)
        self.finding(row, "registered", MESSAGES["registered"], severity="warning")
        return eid

    def remember_enterprise(self, eid: int, uscc: str, name: str, county: str) -> None:
        """After a row is written: the enterprise it registered can be found by later rows."""
        self._by_uscc[uscc] = (eid, name, county)
        if self._by_name is not None:
            ids = self._by_name.setdefault(name, [])
            if eid not in ids:
                ids.append(eid)

    def _uscc(self, code: str) -> tuple[int, str, str] | None:
        """The id, name and county of the enterprise holding ``code`` (any county's: a county session is
        told only that another county holds it)."""
        if code in self._by_uscc:
            return self._by_uscc[code]
        hit = self.conn.execute(sa.select(E.c.id, E.c.name, E.c.county_code).where(E.c.uscc == code)).first()
        if hit is None:
            return None
        self._by_uscc[code] = (int(hit[0]), str(hit[1]), str(hit[2]))
        return self._by_uscc[code]

    def _names(self) -> dict[str, list[int]]:
        """The ids of the session's enterprises by name (a county's names are matched among its own)."""
        if self._by_name is None:
            self._by_name = {}
            for eid, name in self.conn.execute(self.store.scoped(sa.select(E.c.id, E.c.name), E)):
                self._by_name.setdefault(str(name), []).append(int(eid))
        return self._by_name

    # -- duplicates -----------------------------------------------------------------------------
    def duplicate(self, row: SourceRow, key: Hashable, label: str, content: Iterable[Any]) -> bool:
        """Whether an earlier row of this file had the same key; if so, a finding on this row."""
        earlier = self._seen.get(hash(key))
        if earlier is None:
            return False
        self._duplicate_finding(row, earlier, hash(tuple(content)), label)
        return True

    def seen(self, row: SourceRow, key: Hashable, content: Iterable[Any]) -> None:
        self._seen[hash(key)] = (row.number, hash(tuple(content)))

    def first(self, row: SourceRow, key: Hashable, label: str, content: Iterable[Any]) -> bool:
        """:meth:`duplicate` then, for the key's first row, :meth:`seen`, in one look-up: whether no earlier
        row of this file had the same key (if one had, a finding on this row)."""
        fingerprint = hash(tuple(content))
        slot = hash(key)
        earlier = self._seen.get(slot)
        if earlier is None:
            self._seen[slot] = (row.number, fingerprint)
            return True
        self._duplicate_finding(row, earlier, fingerprint, label)
        return False

    def _duplicate_finding(
        self, row: SourceRow, earlier: tuple[int, int], fingerprint: int, label: str
    ) -> None:
        message = MESSAGES["duplicate_same" if earlier[1] == fingerprint else "duplicate_diff"]
        self.finding(row, "duplicate", message.format(row=earlier[0], key=label))

    # -- writing --------------------------------------------------------------------------------
    def write(self, row: SourceRow, action: Callable[[], str], column: str | None = None) -> str | None:
        """Run ``action`` (which saves the row's records and says inserted/updated/unchanged) in a
        savepoint: if it raises a workbook error, nothing it did stays, and the row gets a finding."""
        savepoint = self.conn.begin_nested()
        try:
            outcome = action()
        except ValidationFailed as exc:
            savepoint.rollback()
            for f in exc.findings:
                self.finding(row, f.code, f.message, self.column_titled(f.field), models.shown(f.value))
            return None
        except HazardError as exc:
            savepoint.rollback()
            self.finding(row, type(exc).__name__, MESSAGES["write"].format(reason=exc), column)
            return None
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()
        return outcome

    def column_titled(self, title: str | None) -> str | None:
        """The key of the kind's column that a model's field title names (as its header or a synonym)."""
        return next((c.key for c in self.spec.columns if title in (c.header, *c.synonyms)), None)

    def count(self, table: str, outcome: str, n: int = 1) -> None:
        """Count ``n`` records of ``table`` written with ``outcome`` (none: nothing noted)."""
        if not n:
            return
        counts = self.report.records.get(table)
        if counts is None:
            counts = self.report.records[table] = Counter()
        counts[outcome] += n


def combine(outcomes: Iterable[str]) -> str:
    """A row's outcome from those of the records it wrote: inserted beats updated beats unchanged."""
    found = set(outcomes)
    for outcome in ("inserted", "updated"):
        if outcome in found:
            return outcome
    return "unchanged"


def titles_of(model: type[BaseModel], columns: Mapping[str, str | tuple[str, ...]]) -> dict[str, str]:
    """Model title (as findings name it, e.g. “生产单位·名称”) → column key, for ``columns``: column key →
    model field (or path into nested models)."""
    out: dict[str, str] = {}
    for key, path in columns.items():
        parts = (path,) if isinstance(path, str) else path
        titles: list[str] = []
        current: Any = model
        for part in parts:
            info = current.model_fields[part]
            titles.append(info.title or part)
            current = info.annotation
        out["·".join(titles)] = key
    return out


CELL_PARSERS: dict[str, Callable[[Any], Any]] = {
    "date": normalise.date,
    "int": normalise.integer,
    "uscc": normalise.uscc,
    "choice": normalise.choice,
    "county": normalise.choice,
    "yes_no": normalise.choice,
}


def cell_parser(kind: str) -> Callable[[Any], Any]:
    """What reads a raw cell of a column type (text for any type not listed); raises normalise.BadCell."""
    return CELL_PARSERS.get(kind, normalise.text)


def parse_cell(kind: str, value: Any) -> Any:
    """A raw cell as the column type wants it (raises normalise.BadCell)."""
    return cell_parser(kind)(value)
