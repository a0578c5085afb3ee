"""Row handlers for spot checks, enforcement cases, risk signals and rectification moves on the ledger."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .. import ledger, models, records, schema, vocab
from ..fields import HAZARD_NUMBER
from .choices import DEADLINE_UNITS, OUTCOMES, lookup
from .columns_cases import ENFORCEMENT, RISK_SIGNALS, SPOT_CHECKS
from .context import SourceRow, titles_of
from .handler_base import Handler, Outcome, filled, fingerprint, row_content, year_of

MESSAGES = {
    "follow_up_unknown": "库中没有抽样单编号为“{value}”的抽查批次",
    "hazard_id": "“{value}”不是有效的隐患编号（应为整改台账导出表中的编号）",
    "hazard_unknown": "整改台账中没有编号为 {value} 的隐患（或不属于本县（市））",
    "hazard_ref": "未填隐患编号时须同时填写统一社会信用代码、发现日期、产品和问题类型",
    "hazard_ref_unknown": "整改台账中没有该企业 {day} 发现的这一产品、问题类型的隐患（或不属于本县（市））",
    "move_unknown": "“{value}”不是有效的整改环节，应为：{choices}",
    "move_found": "“发现登记”由现场检查等导入，不在整改进展中办理",
    "outcome_unknown": "“{value}”不是有效的结论，应为：{choices}",
    "unit_unknown": "“{value}”不是有效的期限单位，应为：自然日、工作日",
    "state_differs": "文件中的当前状态“{written}”与库中的“{stored}”不一致（导出后台账已有变化），已按库中状态办理",
    "state_unknown": "“{value}”不是有效的整改状态，已忽略（仅供核对）",
    "already_different": "该隐患已于 {day} 办理过“{move}”，但{what}与本行不同；整改进展不能改写，如需更正请在整改台账中处理",
}

# the original batch is looked up by its number (SpotChecks._follow_up); a party's columns fill its role
SPOT_FIELDS: dict[str, str | tuple[str, ...]] = {
    **{c: f for c, f in SPOT_CHECKS.fields_of(models.SpotCheck).items() if f != "follow_up_of"},
    **{f"{role}_{f}": (role, f) for role in ("producer", "seller") for f in ("name", "uscc", "region")},
}


class SpotChecks(Handler):
    """One spot-check batch per row, keyed by its batch number."""

    kind = "spot-checks"

    def handle(self, row: SourceRow) -> Outcome:
        cells = row.cells
        product = self.product(row, day=cells.get("sample_date"))
        parties: dict[str, dict[str, Any]] = {}
        for role in ("producer", "seller"):
            party = {
                f: cells[f"{role}_{f}"]
                for f in ("name", "uscc", "region")
                if cells.get(f"{role}_{f}") is not None
            }
            party["enterprise_id"] = self._party_id(row, role)
            parties[role] = party
        inspected = lookup(vocab.PARTY_ROLE, cells.get("inspected")) if cells.get("inspected") else None
        if cells.get("inspected") and inspected is None:
            self.ctx.finding(row, "vocabulary", f"“{cells['inspected']}”应为生产单位或销售单位", "inspected")
        data: dict[str, Any] = filled(cells, SPOT_FIELDS)
        data.update(
            sub_product_code=product or cells.get("sub_product_code"),
            producer=parties["producer"],
            seller=parties["seller"],
            follow_up_of=self._follow_up(row),
        )
        record = self.ctx.check(
            row, models.SpotCheck, data, titles_of(models.SpotCheck, SPOT_FIELDS), {"party": "producer_name"}
        )
        if record is None or row.rejected:
            return None
        if inspected is None:
            inspected = "producer" if record.channel == "production" else "seller"
        owner = getattr(record, inspected).enterprise_id
        record = record.model_copy(update={"enterprise_id": owner})
        content = fingerprint(record.row())
        if self.ctx.duplicate(row, ("spot", record.batch_no), "抽样单编号", content):
            return None

        def save() -> str:
            _sid, outcome = records.save_spot_check(self.ctx.tx, record, trace=True)
            self.ctx.count("spot_checks", outcome)
            return outcome

        outcome = self.ctx.write(row, save)
        if outcome is not None:
            self.ctx.seen(row, ("spot", record.batch_no), content)
        return outcome

    def _party_id(self, row: SourceRow, role: str) -> int | None:
        """The party's enterprise id when its code is in the store (a party outside the prefecture is
        kept as name, code and region only)."""
        code = row.cells.get(f"{role}_uscc")
        if not code:
            return None
        try:
            code = models.check_uscc(code)
        except Exception:
            return None  # the model reports the bad code on its column
        hit = self.ctx.conn.execute(
            sa.select(schema.enterprises.c.id).where(schema.enterprises.c.uscc == code)
        ).scalar()
        return int(hit) if hit is not None else None

    def _follow_up(self, row: SourceRow) -> int | None:
        batch = row.cells.get("follow_up_of")
        if not batch:
            return None
        t = schema.spot_checks
        hit = self.ctx.conn.execute(sa.select(t.c.id).where(t.c.batch_no == batch)).scalar()
        if hit is None:
            self.ctx.finding(
                row, "follow_up", MESSAGES["follow_up_unknown"].format(value=batch), "follow_up_of"
            )
            return None
        return int(hit)


ENFORCEMENT_FIELDS = ENFORCEMENT.fields_of(models.EnforcementCase)


class Enforcement(Handler):
    """One enforcement case per row, keyed by its case number (else enterprise, filed date, violation)."""

    kind = "enforcement"

    def handle(self, row: SourceRow) -> Outcome:
        cells = row.cells
        found, data, titles = self.enterprise_record(
            row, models.EnforcementCase, ENFORCEMENT_FIELDS, "filed_date"
        )
        data.update(
            sub_product_code=self.product(row, day=cells.get("filed_date"))
            if cells.get("sub_product_code")
            else None,
            hazard_id=self._hazard(row),
        )
        codes = {"date_required": "filed_date", "date_order": "filed_date"}
        record = self.ctx.check(row, models.EnforcementCase, data, titles, codes)
        if record is None or found is None or row.rejected:
            return None
        key = (
            ("case", record.case_no)
            if record.case_no
            else ("case", self.enterprise_key(found), record.filed_date, record.violation)
        )
        content = row_content(data, record)
        label = "案件编号" if record.case_no else "企业、立案日期和违法行为"
        if self.ctx.duplicate(row, key, label, content):
            return None

        def save() -> str:
            eid = self.ctx.enterprise_id(row, found)
            rec = record.model_copy(update={"enterprise_id": eid})
            case_key = (
                {"case_no": rec.case_no}
                if rec.case_no
                else {"enterprise_id": eid, "filed_date": rec.filed_date, "violation": rec.violation}
            )
            rec = self.keep_stored(rec, schema.enforcement_cases, case_key, ENFORCEMENT_FIELDS)
            _cid, outcome = records.save_enforcement_case(self.ctx.tx, rec)
            self.ctx.count("enforcement_cases", outcome)
            self.written(found, eid)
            return outcome

        outcome = self.ctx.write(row, save)
        if outcome is not None:
            self.ctx.seen(row, key, content)
        return outcome

    def _hazard(self, row: SourceRow) -> int | None:
        return hazard_in_store(self, row, "hazard_id")


SIGNAL_FIELDS = RISK_SIGNALS.fields_of(models.RiskSignal)


class RiskSignals(Handler):
    """One risk signal per row, keyed by county, date received and description."""

    kind = "risk-signals"

    def handle(self, row: SourceRow) -> Outcome:
        cells = row.cells
        names_enterprise = bool(cells.get("enterprise_name") or cells.get("uscc"))
        found = (
            self.ctx.enterprise(row, county_key=None, county=cells.get("county_code"))
            if names_enterprise
            else None
        )
        data = filled(cells, SIGNAL_FIELDS)
        data.update(
            campaign_year=year_of(cells.get("received_date")),
            enterprise_id=found if isinstance(found, int) else None,
            sub_product_code=self.product(row, day=cells.get("received_date"))
            if cells.get("sub_product_code")
            else None,
        )
        titles = {**titles_of(models.RiskSignal, SIGNAL_FIELDS), "行动年度": "received_date"}
        record = self.ctx.check(row, models.RiskSignal, data, titles)
        if record is None or row.rejected or (names_enterprise and found is None):
            return None
        key = ("signal", record.county_code, record.received_date, record.description)
        content = row_content(data, record)
        if self.ctx.duplicate(row, key, "所属县（市）、收到日期和风险信息", content):
            return None

        def save() -> str:
            rec = record
            if found is not None:
                eid = self.ctx.enterprise_id(row, found)
                rec = record.model_copy(update={"enterprise_id": eid})
                self.written(found, eid)
            _sid, outcome = records.save_risk_signal(self.ctx.tx, rec)
            self.ctx.count("risk_signals", outcome)
            return outcome

        outcome = self.ctx.write(row, save)
        if outcome is not None:
            self.ctx.seen(row, key, content)
        return outcome


_HAZARD_ID = HAZARD_NUMBER


def hazard_in_store(handler: Handler, row: SourceRow, key: str) -> int | None:
    """The hazard a 隐患编号 cell names, if it is on the ledger (a finding otherwise)."""
    value = row.cells.get(key)
    if value is None:
        return None
    match = _HAZARD_ID.match(str(value).replace(" ", ""))
    if match is None:
        handler.ctx.finding(row, "hazard_id", MESSAGES["hazard_id"].format(value=value), key)
        return None
    hid = int(match.group(1))
    h = schema.hazards
    stmt = handler.ctx.store.scoped(sa.select(h.c.id).where(h.c.id == hid), h)
    if handler.ctx.conn.execute(stmt).scalar() is None:
        handler.ctx.finding(row, "hazard_unknown", MESSAGES["hazard_unknown"].format(value=hid), key)
        return None
    return hid


class Rectifications(Handler):
    """One move on the ledger per row, applied in file order through :func:`hazardlib.ledger.apply_move`.

    A move already on the ledger (same hazard, move and date) is ``unchanged``; moves are appended,
    never rewritten.
    """

    kind = "rectifications"

    def handle(self, row: SourceRow) -> Outcome:
        cells = row.cells
        hid = (
            hazard_in_store(self, row, "hazard_id")
            if cells.get("hazard_id") is not None
            else self._by_ref(row)
        )
        move = self._vocab(row, "move", vocab.HAZARD_MOVE, MESSAGES["move_unknown"])
        if move == "found":
            self.ctx.finding(row, "move", MESSAGES["move_found"], "move")
        outcome = self._outcome(row, move)
        unit = self._vocab(row, "deadline_unit", DEADLINE_UNITS, MESSAGES["unit_unknown"])
        written_state = None
        if cells.get("state"):
            written_state = lookup(vocab.HAZARD_STATE, cells["state"])
            if written_state is None:
                self.ctx.finding(
                    row,
                    "state",
                    MESSAGES["state_unknown"].format(value=cells["state"]),
                    "state",
                    severity="warning",
                )
        if hid is None or move is None or row.rejected:
            return None
        day = cells["day"]
        key = ("move", hid, move, day)
        content = fingerprint(cells)
        if self.ctx.duplicate(row, key, "隐患编号、整改环节和日期", content):
            return None
        e = schema.hazard_events
        done = self.ctx.conn.execute(
            sa.select(e.c.deadline, e.c.outcome).where(
                e.c.hazard_id == hid, e.c.move == move, e.c.event_date == day
            )
        ).first()
        if done is not None:
            differs = [
                what
                for what, mine, theirs in (
                    ("结论", outcome, done[1]),
                    ("整改期限", cells.get("deadline"), done[0]),
                )
                if mine is not None and mine != theirs
            ]
            if differs:
                message = MESSAGES["already_different"].format(
                    day=day, move=vocab.HAZARD_MOVE.label(move), what="、".join(differs)
                )
                self.ctx.finding(row, "already", message, "outcome" if "结论" in differs else "deadline")
                return None
            self.ctx.seen(row, key, content)
            self.ctx.count("hazard_events", "unchanged")
            return "unchanged"

        def save() -> str:
            stored = self.ctx.store.get(schema.hazards, hid, self.ctx.conn)
            if written_state is not None and written_state != stored["state"]:
                message = MESSAGES["state_differs"].format(
                    written=vocab.HAZARD_STATE.label(written_state),
                    stored=vocab.HAZARD_STATE.label(stored["state"]),
                )
                self.ctx.finding(row, "state", message, "state", severity="warning")
            ledger.apply_move(
                self.ctx.tx,
                hid,
                move,
                day=day,
                deadline=cells.get("deadline"),
                deadline_days=cells.get("deadline_days"),
                deadline_unit=unit,
                outcome=outcome,
                note=cells.get("note"),
                today=self.ctx.today,
            )
            self.ctx.count("hazard_events", "inserted")
            self.ctx.count("hazards", "updated")
            return "updated"

        result = self.ctx.write(row, save, column="move")
        if result is not None:
            self.ctx.seen(row, key, content)
        return result

    def _by_ref(self, row: SourceRow) -> int | None:
        """The hazard a row without 隐患编号 names by its enterprise's 统一社会信用代码, found date, product and
        problem type — the ledger's own key (:func:`hazardlib.records.save_hazard`)."""
        cells = row.cells
        product, problem = self.product(row, day=cells.get("found_date")), self.problem(row, None)
        if row.rejected:
            return None
        if not (cells.get("uscc") and cells.get("found_date") and product and problem):
            self.ctx.finding(row, "hazard_ref", MESSAGES["hazard_ref"], "hazard_id")
            return None
        h, e = schema.hazards, schema.enterprises
        stmt = self.ctx.store.scoped(
            sa.select(h.c.id)
            .join(e, e.c.id == h.c.enterprise_id)
            .where(
                e.c.uscc == cells["uscc"],
                h.c.found_date == cells["found_date"],
                h.c.sub_product_code == product,
                h.c.problem_code == problem,
            ),
            h,
        )
        hid = self.ctx.conn.execute(stmt).scalar()
        if hid is None:
            message = MESSAGES["hazard_ref_unknown"].format(day=cells["found_date"])
            self.ctx.finding(row, "hazard_unknown", message, "uscc")
        return hid

    def _vocab(self, row: SourceRow, column: str, words: vocab.Vocabulary, message: str) -> str | None:
        value = row.cells.get(column)
        if value is None:
            return None
        code = lookup(words, value)
        if code is None:
            self.ctx.finding(
                row, "vocabulary", message.format(value=value, choices=words.choices_text()), column
            )
        return code

    def _outcome(self, row: SourceRow, move: str | None) -> str | None:
        value = row.cells.get("outcome")
        if value is None:
            return None
        words = vocab.MOVE_OUTCOME.get(move or "")
        candidates = [words] if words is not None else list(OUTCOMES)
        for w in candidates:
            code = lookup(w, value)
            if code is not None:
                return code
        choices = "、".join(w.choices_text() for w in candidates)
        self.ctx.finding(
            row, "vocabulary", MESSAGES["outcome_unknown"].format(value=value, choices=choices), "outcome"
        )
        return None
