"""The enterprises register's row handler: one enterprise per row, checked as read and written in batches."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from .. import models, records, schema
from ..catalogue import load_catalogue
from ..errors import HazardError
from ..regions import load_regions
from .choices import leading_code
from .columnar import EnterpriseColumns
from .context import ImportContext, SourceRow, titles_of
from .handler_base import DEFERRED, Handler, Outcome, filled
from .kinds import HeaderMatch
from .quick import QuickEnterprise, content_of

ENTERPRISE_FIELDS = {
    k: k
    for k in (
        "uscc",
        "name",
        "county_code",
        "field",
        "address",
        "in_cluster_area",
        "rural_or_fringe_shop",
        "wholesale_market_shop",
        "concentrated_complaints",
        "licence_no",
        "ccc_certificates",
        "products",
        "contact",
    )
}


LIST_MEMO = 4096  # distinct lists of products or certificates shared between rows

ENTERPRISE_TITLES = titles_of(models.Enterprise, ENTERPRISE_FIELDS)

# a row waiting in a batch: as the row path read it, or (sheet, row number, cells) when read column-wise
Pending = SourceRow | tuple[str, int, list[Any]]


@functools.lru_cache(maxsize=4096)
def county_code(text: str | None) -> str | None:
    """The county code a cell names (code, name or short name); the text itself when it names none, for
    the model to report."""
    if not text:
        return text
    found = load_regions().find(text)
    return found.code if found is not None and load_regions().is_county(found.code) else text


@functools.lru_cache(maxsize=4096)
def _product_code(text: str) -> str:
    code, rest = leading_code(text)
    catalogue = load_catalogue()
    if code in catalogue.sub_products:
        return str(code)
    found = catalogue.find_sub_product(rest or text)
    return found.code if found is not None else text


@functools.lru_cache(maxsize=4096)
def product_codes(text: str | None) -> str | None:
    """A list of products (顿号 or comma separated) as codes, each resolved once per distinct spelling."""
    if not text:
        return text
    return "、".join(_product_code(part) for part in re.split(r"[;；,，、]+", text) if part.strip())


class Enterprises(Handler):
    """One enterprise per row, keyed by 统一社会信用代码.

    Each row is checked as it is read; the checked rows are written in batches of :attr:`BATCH`. One
    query finds which of a batch's enterprises the store already has; the new ones are inserted in one
    statement (each audited), the changed ones updated (each audited), the unchanged ones left alone.
    A batch is written in a savepoint: should any of its writes be refused, the savepoint is rolled back
    and the batch's rows are saved one by one through :func:`hazardlib.records.save_enterprise`, each in
    its own savepoint, so that the refusal lands on the row that caused it while the others stand. That
    one-by-one path is the definition the batches must match (``bulk = False`` takes it for every row).
    """

    kind = "enterprises"
    BATCH = 2000
    bulk = True
    columnar = True  # plainly valid rows read a column at a time (:mod:`.columnar`); False: every row by the row path

    def __init__(self, ctx: ImportContext):
        super().__init__(ctx)
        self._pending: list[tuple[Pending, dict[str, Any]]] = []
        self._done: list[tuple[SourceRow, Outcome]] = []
        self.quick = QuickEnterprise()
        self._headers: dict[str, str] = {}
        self._lists: dict[tuple[str, ...], list[str]] = {}

    def handle(self, row: SourceRow) -> Outcome:
        cells = row.cells
        data = filled(cells, ENTERPRISE_FIELDS)
        for f, resolve in (("county_code", county_code), ("products", product_codes)):
            if f in data:
                data[f] = resolve(data[f])
        values = self.quick.values(data) if self.bulk else None
        if values is None:  # not plainly valid: the model checks it and words the findings
            record = self.ctx.check(row, models.Enterprise, data, ENTERPRISE_TITLES)
            if record is None:
                return None
            values = record.row()
        uscc = values["uscc"]
        content = content_of(values)
        if self.ctx.duplicate(row, ("enterprise", uscc), "统一社会信用代码", content):
            return None
        self.ctx.seen(row, ("enterprise", uscc), content)
        if not self.bulk:
            return self._one(row, values)
        self._pending.append((row, values))
        if len(self._pending) >= self.BATCH:
            self._flush()
        return DEFERRED

    def columns(
        self, match: HeaderMatch, parsers: dict[str, Any], max_chars: int
    ) -> EnterpriseColumns | None:
        """The column-wise reader of the sheet's plainly valid rows (None when every row is to take the
        row path)."""
        if not (self.bulk and self.columnar):
            return None
        resolvers = {"county_code": county_code, "products": product_codes}
        self._headers = match.written
        return EnterpriseColumns(self.spec, match, self.quick, parsers, resolvers, max_chars)

    def take_run(
        self, sheet: str, rows: list[tuple[int, list[Any]]], found: list[Any]
    ) -> list[tuple[int, list[Any]]]:
        """Batch consecutive plainly valid rows read column-wise (``found``: each one's stored values in the
        model's order), as :meth:`handle` would; a row whose credit code an earlier row had is left, with
        nothing done, to the row path, which words the finding. Such a row is noted as ``(sheet, number,
        cells)``: its :class:`SourceRow` is made only should its write be refused."""
        keys = [("enterprise", fields[0]) for fields in found]
        if self.ctx.first_all([number for number, _raw in rows], keys, found):
            taken = [
                ((sheet, number, raw), self._values(fields))
                for (number, raw), fields in zip(rows, found, strict=True)
            ]
            self._add(taken)
            return []
        left: list[tuple[int, list[Any]]] = []
        first, pending = self.ctx.first, self._pending
        for (number, raw), key, fields in zip(rows, keys, found, strict=True):
            if not first(number, key, fields):
                left.append((number, raw))
                continue
            pending.append(((sheet, number, raw), self._values(fields)))
            if len(pending) >= self.BATCH:
                self._flush()
                pending = self._pending
        return left

    def _add(self, taken: Sequence[tuple[Pending, dict[str, Any]]]) -> None:
        """Add rows to the batch, writing it each time it is full."""
        room = self.BATCH - len(self._pending)
        while len(taken) >= room:
            self._pending.extend(taken[:room])
            self._flush()
            taken, room = taken[room:], self.BATCH
        self._pending.extend(taken)

    def _values(self, fields: tuple[Any, ...]) -> dict[str, Any]:
        """A plainly valid row's values by field, its lists as the model's (:meth:`_list`)."""
        values = dict(zip(QuickEnterprise.FIELDS, fields, strict=True))
        lists = self._lists
        for key in QuickEnterprise.LISTS:
            items = values[key]
            shared = lists.get(items)
            values[key] = shared if shared is not None else self._list(items)
        return values

    def _list(self, items: tuple[str, ...]) -> list[str]:
        """``items`` as the model's list: one list per distinct list of codes, shared by the rows that give
        it (nothing changes a row's values once checked; the insert then encodes each list once)."""
        found = self._lists.get(items)
        if found is None:
            found = list(items)
            if len(self._lists) < LIST_MEMO:
                self._lists[items] = found
        return found

    def _absent(self) -> list[str]:
        """The fields whose column the file does not have: their stored values are kept."""
        return [f for c, f in ENTERPRISE_FIELDS.items() if c not in self.present]

    def _one(self, row: SourceRow, values: dict[str, Any]) -> Outcome:
        """Save one row in its own savepoint (a refused write leaves no trace and becomes a finding)."""

        def save() -> str:
            table = schema.enterprises
            stored = (
                self.ctx.conn.execute(sa.select(table).where(table.c.uscc == values["uscc"]))
                .mappings()
                .first()
            )
            kept = values if stored is None else {**values, **{f: stored[f] for f in self._absent()}}
            _eid, outcome = records.save_enterprise(self.ctx.tx, models.Enterprise.model_construct(**kept))
            self.ctx.count("enterprises", outcome)
            return outcome

        return self.ctx.write(row, save)

    def _source(self, row: Pending) -> SourceRow:
        """The row as the row path knows it (a row read column-wise is noted as sheet, number and cells)."""
        if isinstance(row, SourceRow):
            return row
        sheet, number, raw = row
        return SourceRow(sheet, number, {}, self._headers, raw)

    def _settle(self, rows: Iterable[Pending], outcome: str) -> None:
        """Note the outcome of rows written: a row read column-wise has no findings and is only counted."""
        plain = 0
        for row in rows:
            if isinstance(row, SourceRow):
                self._done.append((row, outcome))
            else:
                plain += 1
        self.ctx.rows_done(outcome, plain)

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        table = schema.enterprises
        usccs = [values["uscc"] for _row, values in batch]
        held = self.ctx.tx.holding(table, "uscc", usccs)
        stored = (
            {
                r["uscc"]: r
                for r in self.ctx.conn.execute(sa.select(table).where(table.c.uscc.in_(held))).mappings()
            }
            if held
            else {}
        )
        absent = self._absent()
        county = self.ctx.store.county
        new: list[tuple[Pending, dict[str, Any]]] = []
        changed: list[tuple[Pending, int, dict[str, Any]]] = []
        unchanged: list[Pending] = []
        for row, values in batch:
            found = stored.get(values["uscc"])
            if found is None:
                new.append((row, values))
                continue
            if county not in (None, found["county_code"]):  # another county's: the row path refuses it
                source = self._source(row)
                self._done.append((source, self._one(source, values)))
                continue
            if absent:
                values = {**values, **{f: found[f] for f in absent}}
            changes = {k: v for k, v in values.items() if found[k] != v}  # as records.upsert
            if changes:
                changed.append((row, int(found["id"]), changes))
            else:
                unchanged.append(row)
        self.ctx.count("enterprises", "unchanged", len(unchanged))
        self._settle(unchanged, "unchanged")
        if not new and not changed:
            return
        savepoint = self.ctx.conn.begin_nested()
        try:
            # The updates first: a refused one then leaves no gap in the ids (PostgreSQL's sequences
            # do not roll back), and insert_many checks every row before its one statement.
            for _row, eid, changes in changed:
                self.ctx.tx.update(table, eid, changes)
            self.ctx.tx.insert_many(table, [values for _row, values in new], audit="batch")
        except (HazardError, sa.exc.DBAPIError):
            savepoint.rollback()
            again = {id(r) for r, _v in new} | {id(r) for r, _i, _c in changed}
            for row, values in batch:
                if id(row) in again:
                    source = self._source(row)
                    self._done.append((source, self._one(source, values)))
            return
        savepoint.commit()
        self.ctx.count("enterprises", "inserted", len(new))
        self._settle((row for row, _values in new), "inserted")
        self.ctx.count("enterprises", "updated", len(changed))
        self._settle((row for row, _eid, _changes in changed), "updated")

    def settled(self) -> list[tuple[SourceRow, Outcome]]:
        done, self._done = self._done, []
        return done

    def finish(self) -> Iterable[tuple[SourceRow, Outcome]]:
        self._flush()
        return self.settled()
