"""The enterprises register's row handler: one enterprise per row, checked by the model as read and written
in batches."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from .. import models, records, schema
from ..catalogue import load_catalogue
from ..errors import HazardError
from ..figures import mend_counties, mend_key_enterprise
from ..regions import load_regions
from .choices import leading_code
from .columns import ENTERPRISES
from .context import ImportContext, SourceRow, titles_of
from .handler_base import DEFERRED, Handler, Outcome, filled

ENTERPRISE_FIELDS = ENTERPRISES.fields_of(models.Enterprise)

FIELDS = tuple(models.Enterprise.model_fields)

ENTERPRISE_TITLES = titles_of(models.Enterprise, ENTERPRISE_FIELDS)


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


def content_of(values: Mapping[str, Any]) -> tuple[Any, ...]:
    """An enterprise's stored values as one hashable tuple in the model's field order (lists as tuples): two
    rows of a file with the same key say the same thing when their contents are equal."""
    return tuple([tuple(v) if type(v) is list else v for v in map(values.__getitem__, FIELDS)])


class Enterprises(Handler):
    """One enterprise per row, keyed by 统一社会信用代码.

    The rows' cells (county and products resolved to codes once per distinct spelling) are checked by the
    model :attr:`CHECK` rows at a time in one call (:meth:`ImportContext.check_many`: each row's findings
    as if checked alone), and each row's credit code against the earlier rows'. The checked rows are
    written in batches of :attr:`BATCH`: one query finds which of a batch's enterprises the store already
    has; the new ones are inserted in one statement (audited in one entry per county), the changed ones
    updated (each audited), the unchanged ones left alone. A batch is written in a savepoint: should any of
    its writes be refused, the savepoint is rolled back and the batch's rows are saved one by one through
    :func:`hazardlib.records.save_enterprise`, each in its own savepoint, so that the refusal lands on the
    row that caused it while the others stand. That one-by-one path is the definition the batches must
    match (``bulk = False`` takes it for every row).
    """

    kind = "enterprises"
    # Rows waiting in a batch outlive the garbage collector's young generations: with 2,000 of them its
    # passes over older objects came more often (for 100,000 rows 16 full passes against 13).
    BATCH = 500
    # Rows checked by the model in one call. A call's records are alive together until each is turned into
    # its values, and the more of them, the more outlive the garbage collector's young generations: 100 at
    # a time keep its full passes as few as checking one by one did, while the call's cost per row is
    # already as low as with 500 (docs/benchmarks.md, "Import: the register checked in batches").
    CHECK = 100
    bulk = True

    def __init__(self, ctx: ImportContext):
        super().__init__(ctx)
        # Rows and what they hold in lists side by side, not as a pair per row: up to a batch of them is held,
        # and each pair would be one more object outliving the garbage collector's young generations.
        self._read: list[SourceRow] = []  # rows read, to check by the model
        self._read_data: list[dict[str, Any]] = []  # their cells as the model's data
        self._pending: list[SourceRow] = []  # rows checked, to write
        self._pending_values: list[dict[str, Any]] = []  # their checked values
        self._done: list[tuple[SourceRow, Outcome]] = []

    def handle(self, row: SourceRow) -> Outcome:
        data = filled(row.cells, ENTERPRISE_FIELDS)
        for f, resolve in (("county_code", county_code), ("products", product_codes)):
            if f in data:
                data[f] = resolve(data[f])
        if not self.bulk:
            record = self.ctx.check(row, models.Enterprise, data, ENTERPRISE_TITLES)
            values = None if record is None else self._first_of_key(row, record)
            return None if values is None else self.save_one(row, values)
        self._read.append(row)
        self._read_data.append(data)
        if len(self._read) >= self.CHECK:
            self._check_read()
        return DEFERRED

    def _check_read(self) -> None:
        """Check the rows read since the last call by the model, in one batch; a checked row whose credit
        code is the file's first joins the batch of rows to write."""
        rows, data = self._read, self._read_data
        if not rows:
            return
        self._read, self._read_data = [], []
        records = self.ctx.check_many(rows, models.Enterprise, data, ENTERPRISE_TITLES)
        del data  # not held while the batches are written
        for row, record in zip(rows, records, strict=True):
            values = None if record is None else self._first_of_key(row, record)
            if values is None:
                self._done.append((row, None))
                continue
            self._pending.append(row)
            self._pending_values.append(values)
            if len(self._pending) >= self.BATCH:
                self._flush()

    def _first_of_key(self, row: SourceRow, record: models.Enterprise) -> dict[str, Any] | None:
        """The record's stored values, unless an earlier row of the file had its credit code (a finding)."""
        values = record.row()
        # the credit code is the key (an enterprises file holds no other kind of key)
        if self.ctx.first(row, values["uscc"], "统一社会信用代码", content_of(values)):
            return values
        return None

    def begin_sheet(self, columns: Iterable[str]) -> None:
        # The rows still waiting were read under the previous sheet's header: they are written by what
        # that sheet has, before the next sheet's columns replace it.
        self._check_read()
        self._flush()
        super().begin_sheet(columns)

    def _absent(self) -> list[str]:
        """The fields whose column the file does not have: their stored values are kept."""
        return [f for c, f in ENTERPRISE_FIELDS.items() if c not in self.present]

    def save_one(self, row: SourceRow, values: dict[str, Any]) -> Outcome:
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

    def _settle(self, rows: Iterable[SourceRow], outcome: str) -> None:
        self._done.extend((row, outcome) for row in rows)

    def _flush(self) -> None:
        rows, batch = self._pending, self._pending_values
        if not rows:
            return
        self._pending, self._pending_values = [], []
        table = schema.enterprises
        usccs = [values["uscc"] for values in batch]
        stored = {
            r["uscc"]: r
            for r in self.ctx.conn.execute(sa.select(table).where(table.c.uscc.in_(usccs))).mappings()
        }
        absent = self._absent()
        county = self.ctx.store.county
        new_rows: list[SourceRow] = []
        new: list[dict[str, Any]] = []
        changed: list[tuple[SourceRow, int, dict[str, Any]]] = []
        unchanged: list[SourceRow] = []
        for row, values in zip(rows, batch, strict=True):
            found = stored.get(values["uscc"])
            if found is None:
                new_rows.append(row)
                new.append(values)
                continue
            if county not in (None, found["county_code"]):  # another county's: the row path refuses it
                self._done.append((row, self.save_one(row, values)))
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
            # An enterprise moved to another county takes its records' counted county with it, and one whose
            # products changed its self-checks' key enterprise.
            mend_counties(self.ctx.conn, [eid for _row, eid, changes in changed if "county_code" in changes])
            mend_key_enterprise(
                self.ctx.conn, [eid for _row, eid, changes in changed if "products" in changes]
            )
            self.ctx.tx.insert_many(table, new, audit="batch")
        except (HazardError, sa.exc.DBAPIError):
            savepoint.rollback()
            again = {id(r) for r in new_rows} | {id(r) for r, _i, _c in changed}
            for row, values in zip(rows, batch, strict=True):
                if id(row) in again:
                    self._done.append((row, self.save_one(row, values)))
            return
        savepoint.commit()
        self.ctx.count("enterprises", "inserted", len(new))
        self._settle(new_rows, "inserted")
        self.ctx.count("enterprises", "updated", len(changed))
        self._settle((row for row, _eid, _changes in changed), "updated")

    def settled(self) -> list[tuple[SourceRow, Outcome]]:
        done = self._done
        if done:
            self._done = []
        return done

    def finish(self) -> Iterable[tuple[SourceRow, Outcome]]:
        self._check_read()
        self._flush()
        return self.settled()
