"""Importing a spreadsheet: find its kind and header row, read it row by row, and commit its valid rows
in one transaction.

**Atomicity.** Each file is one transaction: its valid rows are written, and every rejected row is a
finding in the report (and in the findings workbook), never silently dropped. A refused file (damaged,
hostile, over a limit, kind unknown) writes nothing. Each row is written in its own savepoint, so a
row refused while saving (a ledger move the ledger does not allow, a record of another county) leaves
no trace while the other rows stand; the enterprises register is written in batches, each in a
savepoint and redone row by row should any of its writes be refused. A dry run does everything and
then rolls the transaction back.

**Idempotence.** Every record is saved through :mod:`hazardlib.records` by its natural key: importing
the same file again reports every row ``unchanged``; a corrected file updates the rows it corrects.
The file's sha256 is recorded in the ``imports`` table.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .. import schema
from ..fields import cleans_text
from ..store import Store
from . import normalise
from .columns import EXAMPLE_MARK, Column, KindSpec
from .context import GROUP_LABELS, MESSAGES, ImportContext, SourceRow, cell_parser
from .handler_base import DEFERRED, Handler
from .handlers import Help, Inspections, SelfChecks
from .handlers_cases import Enforcement, Rectifications, RiskSignals, SpotChecks
from .handlers_documents import Instruments, TracingTasks, WrittenReports
from .handlers_enterprises import Enterprises
from .handlers_plan import CountyPlans, Interviews, Oversight
from .kinds import KINDS, TEMPLATE_KINDS, HeaderMatch, best_kind, header_key, match_headers
from .readers import SpreadsheetFile
from .report import ImportReport, SheetCopy
from .safety import LIMITS, FileRefused, Limits

HEADER_SCAN_ROWS = 30
PROGRESS_EVERY = 1000
CHUNK_ROWS = 1000  # rows imported between two reports of progress
NAME_COLUMNS = {"name", "enterprise_name", "producer_name", "seller_name"}
BULK_ROWS = 1000
"""An import that inserts or updates at least this many rows is a bulk load: the store's statistics are
refreshed after it (:meth:`hazardlib.store.Store.analyze`), so that the planner sees the rows it added."""
MEMO_SIZE = 256  # the distinct values of a column remembered once read, unless it has more
_MISSING = object()

Progress = Callable[[int, int | None], None]


HANDLERS: dict[str, type[Handler]] = {
    h.kind: h
    for h in (
        Enterprises,
        SelfChecks,
        Inspections,
        Rectifications,
        SpotChecks,
        Enforcement,
        Help,
        RiskSignals,
        CountyPlans,
        Interviews,
        Oversight,
        Instruments,
        TracingTasks,
        WrittenReports,
    )
}


class _DryRun(Exception):
    """Internal: roll back the transaction of a dry run."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def import_file(
    store: Store,
    path: str | Path,
    kind: str | None = None,
    dry_run: bool = False,
    *,
    progress: Progress | None = None,
    today: dt.date | None = None,
    limits: Limits = LIMITS,
) -> ImportReport:
    """Import one xlsx, xls or csv file into ``store`` and report what was done to each row.

    ``kind`` is one of :data:`TEMPLATE_KINDS`; without it the kind comes from the template's hidden
    ``_meta`` sheet, else from the headers. ``progress(done, total)`` is called as rows are read
    (``total`` None when the file does not say). ``today`` bounds dates (no future dates).

    Raises :class:`FileRefused` (Chinese message; nothing written) for a file that is not a workbook,
    damaged, hostile, over a limit, or whose kind cannot be told.
    """
    path = Path(path)
    if kind is not None and kind not in KINDS:
        raise FileRefused(path.name, f"类型“{kind}”无效，应为：{'、'.join(TEMPLATE_KINDS)}", "kind")
    with SpreadsheetFile(path, limits) as book:
        kind, plan = locate(book, kind)
        spec = KINDS[kind]
        report = ImportReport(file=path.name, kind=kind, sha256=sha256_of(path), dry_run=dry_run)
        report.previous_imports = _previous(store, report.sha256)
        total = _total(book, plan)
        try:
            with store.transaction(f"导入{spec.label}：{path.name}") as tx:
                ctx = ImportContext(store, tx, spec, report, today)
                handler = HANDLERS[kind](ctx)
                done = 0
                for part in plan:
                    for read in _import_sheet(book, part, ctx, handler, limits):
                        done += read
                        if progress is not None and done // PROGRESS_EVERY > (done - read) // PROGRESS_EVERY:
                            progress(done, total)
                for row, outcome in handler.finish():
                    _settle(ctx, row, outcome)
                if progress is not None:
                    progress(done, total)
                if dry_run:
                    raise _DryRun
                tx.insert(
                    schema.imports,
                    dict(
                        sha256=report.sha256,
                        file_name=path.name[:300],
                        kind=kind,
                        imported_at=tx.now,
                        actor=store.user,
                        rows_inserted=report.inserted,
                        rows_updated=report.updated,
                        rows_unchanged=report.unchanged,
                        rows_rejected=report.rejected,
                    ),
                )
        except _DryRun:
            pass
    if not dry_run and report.inserted + report.updated >= BULK_ROWS:
        store.analyze()
    order = {copy.name: i for i, copy in enumerate(report.sheets)}
    report.findings.sort(key=lambda f: (order.get(f.sheet or "", -1), f.row or 0))
    return report


def _previous(store: Store, sha: str) -> list[dict[str, Any]]:
    t = schema.imports
    with store.read() as conn:
        return [
            dict(r) for r in conn.execute(sa.select(t).where(t.c.sha256 == sha).order_by(t.c.id)).mappings()
        ]


def _total(book: SpreadsheetFile, plan: list[Plan]) -> int | None:
    counts = [book.declared_rows(p.sheet) for p in plan]
    if any(c is None for c in counts):
        return None
    return sum(int(c or 0) - p.header_row for c, p in zip(counts, plan, strict=True))


# -- finding the kind and the header row -----------------------------------------------------------


def _head(book: SpreadsheetFile, sheet: str) -> list[tuple[int, list[Any]]]:
    rows = []
    for number, values in book.rows(sheet):
        rows.append((number, values))
        if len(rows) >= HEADER_SCAN_ROWS:
            break
    return rows


def _header_for(kind: str, head: list[tuple[int, list[Any]]]) -> Plan | None:
    best: Plan | None = None
    for number, values in head:
        match = match_headers(kind, values)
        if (
            not match.missing_required
            and match.score >= 2
            and (best is None or match.score > best.match.score)
        ):
            best = Plan("", number, match, values)
    return best


@dataclass
class Plan:
    """Where one sheet's records are: its header row and how its columns map onto the kind's."""

    sheet: str
    header_row: int
    match: HeaderMatch
    header: list[Any]


def locate(book: SpreadsheetFile, kind: str | None) -> tuple[str, list[Plan]]:
    """The file's kind and, for each sheet holding that kind, its header row and column mapping."""
    name = book.path.name
    heads = {sheet: _head(book, sheet) for sheet in book.data_sheets()}
    if kind is None and book.meta.get("kind") in KINDS:
        kind = book.meta["kind"]
    if kind is None:
        scores: dict[str, int] = {}
        for head in heads.values():
            for _number, values in head:
                match, ambiguous = best_kind(values)
                if match is not None and not ambiguous:
                    scores[match.kind] = max(scores.get(match.kind, 0), match.score)
        if not scores:
            raise FileRefused(
                name,
                "无法判断文件的数据类型：前 30 行中找不到任何一种模板的表头（须含该类型的全部必填列）。"
                f"请使用 hazard template 生成的模板，或用 --kind 指定类型（{_kinds_text()}）",
                "kind_unknown",
            )
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
            labels = "”和“".join(KINDS[k].label for k, _ in ranked[:2])
            raise FileRefused(
                name, f"无法判断文件的数据类型：表头同时符合“{labels}”，请用 --kind 指定", "kind_ambiguous"
            )
        kind = ranked[0][0]
    plan = []
    for sheet, head in heads.items():
        found = _header_for(kind, head)
        if found is not None:
            found.sheet = sheet
            plan.append(found)
    if not plan:
        spec = KINDS[kind]
        required = "、".join(spec.column(k).header for k in spec.required_keys)
        raise FileRefused(
            name, f"找不到“{spec.label}”的表头：前 30 行中须有一行包含必填列 {required}", "header"
        )
    return kind, plan


def _kinds_text() -> str:
    return "、".join(f"{k}（{s.label}）" for k, s in KINDS.items())


# -- reading the rows ------------------------------------------------------------------------------


def _import_sheet(
    book: SpreadsheetFile, part: Plan, ctx: ImportContext, handler: Handler, limits: Limits
) -> Iterator[int]:
    """Import one sheet's rows, each by :func:`_import_row` as it is read (none held back: a row kept
    until later would outlive the garbage collector's young generations); yields the number of rows read
    as each :data:`CHUNK_ROWS` of them are done (for progress)."""
    spec, sheet, header_row, match = ctx.spec, part.sheet, part.header_row, part.match
    copy = SheetCopy(sheet, header_row, list(part.header), dict(match.positions), dict(match.written))
    ctx.report.sheets.append(copy)
    handler.begin_sheet(match.positions)
    _header_findings(ctx, sheet, header_row, match)
    reader = _SheetReader(spec, match, limits)
    data_rows = read = 0
    for number, values in book.rows(sheet):
        if number <= header_row:
            continue
        read += 1
        row = reader.source_row(sheet, number, values)
        if row is None:
            ctx.report.blank_rows += 1
        else:
            data_rows += 1
            if data_rows > limits.max_rows:
                raise FileRefused(
                    ctx.report.file,
                    f"工作表“{sheet}”的数据超过 {limits.max_rows:,} 行的上限，请拆分为多个文件后分别导入",
                    "rows",
                )
            _import_row(ctx, handler, reader, row)
        if read == CHUNK_ROWS:
            yield read
            read = 0
    if read:
        yield read


def _import_row(ctx: ImportContext, handler: Handler, reader: _SheetReader, row: SourceRow) -> None:
    """One row by the row path: the example and repeated headers skipped, cells parsed, the handler's outcome."""
    if reader.is_example(row, ctx):
        ctx.report.example_rows += 1
        _keep_findings(ctx, row)
        return
    if reader.repeats_header(row):
        ctx.finding(row, "header_repeated", "与表头相同（重复的表头行），已跳过", severity="warning")
        _keep_findings(ctx, row)
        return
    reader.parse(row, ctx)
    if row.findings and row.rejected:
        _settle(ctx, row, None)
        return
    outcome = handler.handle(row)
    if outcome != DEFERRED:
        _settle(ctx, row, outcome)
        return
    # Rows whose batch was just written are settled at once (a row held until later would outlive the
    # garbage collector's young generations).
    for earlier, settled in handler.settled():
        _settle(ctx, earlier, settled)


def _header_findings(ctx: ImportContext, sheet: str, header_row: int, match: HeaderMatch) -> None:
    where = SourceRow(sheet, header_row, {}, match.written, [])
    if match.unknown:
        ctx.finding(
            where,
            "extra_columns",
            f"以下列不是本模板的列，已忽略：{'、'.join(match.unknown)}",
            severity="warning",
        )
    for _position, written, key in match.duplicates:
        ctx.finding(
            where,
            "duplicate_column",
            f"列“{written}”与列“{match.written[key]}”是同一列，已使用后者",
            severity="warning",
        )
    _keep_findings(ctx, where, header=True)


class _SheetReader:
    """Turning one sheet's rows into parsed source rows, with what its header tells worked out once."""

    def __init__(self, spec: KindSpec, match: HeaderMatch, limits: Limits):
        self.match = match
        self.max_chars = limits.max_cell_chars
        self.positions = list(match.positions.items())
        self.parsers = {key: _parser_of(spec.column(key)) for key in match.positions}
        # a column that repeats a few values (counties, types, 是/否) is read once per value written
        self.memos: dict[str, dict[str, Any]] = {key: {} for key in match.positions}
        # plain form -> column key -> written value -> its plain form (no key object built per look-up)
        self.plain_memos: dict[Callable[[Any], Any], dict[str, dict[str, Any]]] = {
            normalise.text: {},
            header_key: {},
        }
        self.orders: dict[str, tuple[int, list[tuple[str, Any]]]] = {}
        self.examples = [
            (c.key, _example_text(c.example))
            for c in spec.columns
            if c.example is not None and c.key in match.positions
        ]
        self.header_keys = {key: header_key(written) for key, written in match.written.items()}
        for key, others in match.joined.items():  # a repeated header row holds the parts' headers joined
            self.header_keys[key] = header_key(" ".join((match.written[key], *(w for _, w in others))))
        self.groups: dict[str, list[str]] = {}
        for c in spec.columns:
            if c.group:
                self.groups.setdefault(c.group, []).append(c.key)
        # the columns of the sheet that can be missing: required, or required with a group
        self.needed = [
            c for c in spec.columns if c.key in match.positions and (c.required or c.required_with)
        ]

    def source_row(self, sheet: str, number: int, values: list[Any]) -> SourceRow | None:
        """The row's recognised cells as written; None for a blank row."""
        width = len(values)
        originals = {key: values[pos] if pos < width else None for key, pos in self.positions}
        for key, others in self.match.joined.items():  # a value written in parts (联系人, 联系电话)
            written = [values[p] for p in (self.match.positions[key], *(p for p, _ in others)) if p < width]
            parts = [normalise.text(v) for v in written if not normalise.is_blank(v)]
            originals[key] = " ".join(p for p in parts if p) or None
        for value in originals.values():
            if not normalise.is_blank(value):
                return SourceRow(sheet, number, {}, self.match.written, values, originals)
        return None

    def is_example(self, row: SourceRow, ctx: ImportContext) -> bool:
        """The template's example row: marked 示例 in the 序号 column, or identical to the template's example."""
        marked = False
        position = self.match.row_no_position
        if position is not None and position < len(row.raw):
            mark = row.raw[position]
            if isinstance(mark, str) and EXAMPLE_MARK in mark:  # no other cell's text starts with it
                cleaned = normalise.text(mark)
                marked = bool(cleaned and cleaned.startswith(EXAMPLE_MARK))
        examples = self.examples
        same = len(examples) >= 3
        if same:  # settled by the first cell that differs (a loop: no generator made per row)
            originals, plain = row.originals, self._plain
            for key, text in self._first("examples", examples):
                if plain(key, originals.get(key), normalise.text) != text:
                    same = False
                    break
        if marked and not same and examples:
            ctx.finding(
                row,
                "example",
                f"本行标为“{EXAMPLE_MARK}”，未导入；如是实际数据，请删去“序号”列中的“{EXAMPLE_MARK}”后重新导入",
                severity="warning",
            )
        return marked or same

    def repeats_header(self, row: SourceRow) -> bool:
        """At least two filled cells, each the header of its column (a repeated header row)."""
        filled = 0
        originals = row.originals
        for key, written in self._first("header", self.header_keys.items()):
            value = originals[key]
            if normalise.is_blank(value):
                continue
            if self._plain(key, value, header_key) != written:
                return False
            filled += 1
        return filled >= 2

    def _first(self, name: str, pairs: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
        """``pairs`` (column key first) with the columns that repeat a few values first: comparing a row
        with the template's example or with the header is settled by the first cell that differs, and a
        repeated value's comparison is remembered. Worked out again when a column stops repeating."""
        order = self.orders.get(name)
        if order is None or order[0] != len(self.memos):
            order = self.orders[name] = (len(self.memos), sorted(pairs, key=lambda p: p[0] not in self.memos))
        return order[1]

    def _plain(self, key: str, value: Any, plain: Callable[[Any], Any]) -> Any:
        """``plain(value)``, remembered for the columns that repeat a few values."""
        if key not in self.memos or type(value) is not str:
            return plain(value)
        memos = self.plain_memos[plain]
        memo = memos.get(key)
        if memo is None:
            memo = memos[key] = {}
        found = memo.get(value, _MISSING)
        if found is _MISSING:
            found = memo[value] = plain(value)
        return found

    def parse(self, row: SourceRow, ctx: ImportContext) -> None:
        """Clean and type-check every recognised cell; required cells must be filled."""
        bad: set[str] = set()
        cells = row.cells
        parsers, memos = self.parsers, self.memos
        for key, raw in row.originals.items():
            if isinstance(raw, str) and len(raw) > self.max_chars:
                message = MESSAGES["too_long"].format(n=len(raw), limit=self.max_chars)
                ctx.finding(row, "cell_too_long", message, key)
                bad.add(key)
                continue
            memo = memos.get(key) if type(raw) is str else None
            if memo is not None and raw in memo:
                cells[key] = memo[raw]
                continue
            try:
                cells[key] = value = parsers[key](raw)
            except normalise.BadCell as exc:
                ctx.finding(row, exc.code, str(exc), key)
                bad.add(key)
                continue
            if memo is not None:
                memo[raw] = value
                if len(memo) > MEMO_SIZE:  # a column of names or codes: not worth remembering
                    del memos[key]
        if not self.needed:
            return
        groups = {group for group, keys in self.groups.items() if any(cells.get(k) is not None for k in keys)}
        for column in self.needed:
            if column.key in bad or cells.get(column.key) is not None:
                continue
            if column.required and not (column.unless and cells.get(column.unless) is not None):
                ctx.finding(row, "missing", MESSAGES["required"], column.key)
            elif column.required_with in groups:
                message = MESSAGES["required_with"].format(
                    group=GROUP_LABELS.get(column.required_with or "", "")
                )
                ctx.finding(row, "missing", message, column.key)


def _parser_of(column: Column) -> Callable[[Any], Any]:
    """What reads a cell of ``column``: the text of a field whose model cleans it is handed over as written
    (cleaned once, by the model's field type); other cells are read as their column's type."""
    model, field = column.model, column.field
    if column.type == "text" and model is not None and field is not None and cleans_text(model, field):
        return normalise.as_text
    return normalise.name if column.key in NAME_COLUMNS else cell_parser(column.type)


@functools.lru_cache(maxsize=512)
def _example_text(example: object) -> str | None:
    return normalise.text(example)


def _settle(ctx: ImportContext, row: SourceRow, outcome: str | None) -> None:
    """Count a finished row and keep its findings (and its cells, to write back) if it has any."""
    ctx.report.rows[outcome or "rejected"] += 1
    _keep_findings(ctx, row)


def _keep_findings(ctx: ImportContext, row: SourceRow, header: bool = False) -> None:
    if not row.findings:
        return
    ctx.report.findings.extend(row.findings)
    if not header:
        copy = next(c for c in ctx.report.sheets if c.name == row.sheet)
        copy.rows[row.number] = [_cut(v) for v in row.raw]
    row.findings = ()


def _cut(value: Any) -> Any:
    if isinstance(value, str) and len(value) > normalise.MAX_CELL_CHARS:
        return value[: normalise.MAX_CELL_CHARS - 20] + "……（已截断）"
    return value
