"""The store's tables (SQLAlchemy Core), one per record kind of the work plan.

Every campaign record carries ``county_code`` (the county the record belongs to, used for scoping
and for counting in the county's row of the results list) and ``campaign_year`` (records of earlier
years keep their own year, so history can be kept). Mutable records carry ``version`` for optimistic
concurrency and who/when of their creation and last change.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from . import vocab

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _meta_columns() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    ]


def _enterprise_fk(nullable: bool = False) -> sa.Column:
    return sa.Column(
        "enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=nullable, index=True
    )


def _scope_columns() -> list[sa.Column]:
    return [
        sa.Column("county_code", sa.String(6), nullable=False, index=True),
        sa.Column("campaign_year", sa.Integer, nullable=False, index=True),
    ]


def _registered_county() -> sa.Column:
    """The county the record's enterprise is registered in now (hazardlib.figures, migration 0011), which
    the results list counts it for: unlike ``county_code`` (the county the record belongs to, fixed when
    written) it follows the enterprise's move between counties, kept by that move in the same transaction
    (``figures.mend_counties``). NULL when the record names no enterprise of the store. Checked by
    ``hazard verify``."""
    return sa.Column("registered_county", sa.String(6), nullable=True)


CLASSIFIED_GRADES = ("larger", "major")
"""The grades of the findings classified supervision counts (:func:`hazardlib.stages.classified`)."""
CLASSIFIED_FINDINGS = "grade IN ('larger', 'major')"
"""The condition of the partial index ``ix_hazards_classified``: a query reads that index only when its own
condition on the grade is this one, values written out (:func:`hazardlib.stages.classified`)."""


class Milestone(NamedTuple):
    """A step of a hazard's plain path: the ledger move that takes it, the state it reaches and the
    ``hazards`` column that holds the date it was reached."""

    move: str
    state: str
    column: str


MILESTONES = (
    Milestone("order", "ordered", "ordered_date"),
    Milestone("rectify", "rectified", "rectified_date"),
    Milestone("reinspect", "reinspected", "reinspected_date"),
    Milestone("close", "closed", "closed_date"),
)
"""The milestones of a plain path in ledger order (the one place their moves, states and columns are named;
hazardlib.figures reads them)."""

_ORDERED, *_AFTER_ORDER = MILESTONES
LEDGER_STATE = (
    "span_date",
    "span_state",
    "span_deadline",
    "plain_path",
    _ORDERED.column,
    "deadline",  # set by the order, beside its date
    *(m.column for m in _AFTER_ORDER),
)
"""The hazard's columns from which its state at any date is read (its current span, the plain path and its
milestone dates: hazardlib.figures): the indexes that count hazards in their state at a date carry them all."""

enterprises = sa.Table(
    "enterprises",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uscc", sa.String(18), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("county_code", sa.String(6), nullable=False, index=True),
    sa.Column("address", sa.String(300), nullable=True),
    sa.Column("field", sa.String(16), nullable=False),
    sa.Column("in_cluster_area", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("rural_or_fringe_shop", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("wholesale_market_shop", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("concentrated_complaints", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("licence_no", sa.String(40), nullable=True),
    sa.Column("ccc_certificates", sa.JSON, nullable=False, default=list),
    sa.Column("products", sa.JSON, nullable=False, default=list),
    sa.Column("contact", sa.String(100), nullable=True),
    *_meta_columns(),
)
# The tracker counts a county's key enterprises (a product of the key categories: figures.key_enterprise)
# from this index, without reading each enterprise's product list (migration 0011).
sa.Index("ix_enterprises_key", enterprises.c.county_code, sa.func.json_array_length(enterprises.c.products))

self_checks = sa.Table(
    "self_checks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _enterprise_fk(),
    *_scope_columns(),
    _registered_county(),
    sa.Column("check_date", sa.Date, nullable=False),
    sa.Column("management_system", sa.Boolean, nullable=False),
    sa.Column("quality_director", sa.Boolean, nullable=False),
    sa.Column("quality_officer", sa.Boolean, nullable=False),
    sa.Column("daily_control", sa.Boolean, nullable=False),
    sa.Column("weekly_check", sa.Boolean, nullable=False),
    sa.Column("monthly_review", sa.Boolean, nullable=False),
    sa.Column("major_risk_reported", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("major_risk_description", sa.Text, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    # Whether the enterprise is a key enterprise now (hazardlib.figures.key_enterprise, migration 0024): kept
    # with the enterprise's product list as registered_county is with its county (figures.mend_key_enterprise),
    # so that 组织企业自查 is counted from the self-checks' index with no seek into the enterprises. Checked by
    # ``hazard verify``.
    sa.Column("key_enterprise", sa.Boolean, nullable=False, server_default=sa.false()),
    *_meta_columns(),
    sa.UniqueConstraint("enterprise_id", "campaign_year"),
    # The results list counts self-checks by their enterprise's county from this index alone (0009).
    sa.Index("ix_self_checks_enterprise_figures", "enterprise_id", "check_date", "major_risk_reported"),
    # The results list counts the window's self-checks reporting a major risk by the county their enterprise is
    # registered in, from this index alone: one range per county of those self-checks only (migration 0011;
    # the reported risk before the date, migration 0029).
    sa.Index(
        "ix_self_checks_counted", "registered_county", "major_risk_reported", "check_date", "enterprise_id"
    ),
    # 组织企业自查 (stages.self_check_counted) counts the distinct enterprises of a campaign year's self-checks of
    # key enterprises by county: one range per county, in enterprise order, so that the distinct count is read
    # from this index with no temporary B-tree (migration 0029).
    sa.Index(
        "ix_self_checks_key_counted",
        "registered_county",
        "campaign_year",
        "key_enterprise",
        "enterprise_id",
        "check_date",
    ),
    # The tracker counts a year's self-checks by county from this index alone (migration 0011).
    sa.Index("ix_self_checks_progress", "campaign_year", "county_code", "check_date", "enterprise_id"),
)

risk_control_items = sa.Table(
    "risk_control_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "self_check_id",
        sa.Integer,
        sa.ForeignKey("self_checks.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("point_code", sa.String(16), nullable=False),
    sa.Column("risk_point", sa.Text, nullable=False),
    sa.Column("measure", sa.Text, nullable=True),
    sa.Column("measures_in_place", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("grade", sa.String(16), nullable=False, server_default="general"),
)

inspections = sa.Table(
    "inspections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _enterprise_fk(),
    *_scope_columns(),
    _registered_county(),
    sa.Column("inspection_date", sa.Date, nullable=False),
    sa.Column("field", sa.String(16), nullable=False),
    sa.Column("sub_product_code", sa.String(16), nullable=False),
    sa.Column("inspectors", sa.String(200), nullable=True),
    sa.Column("results", sa.JSON, nullable=False, default=dict),
    sa.Column("note", sa.Text, nullable=True),
    *_meta_columns(),
    sa.UniqueConstraint("enterprise_id", "inspection_date", "sub_product_code"),
    # The results list counts visits by their enterprise's county from this index alone (0009).
    sa.Index("ix_inspections_enterprise_figures", "enterprise_id", "inspection_date", "field"),
    # The results list counts visits by the county their enterprise is registered in, from this index alone:
    # one range per county and field, its visits in the order DISTINCT wants (migrations 0011, 0033).
    sa.Index("ix_inspections_counted", "registered_county", "field", "inspection_date", "enterprise_id"),
    # The tracker counts a window's inspections by county from this index alone, one range per county in
    # the order GROUP BY wants (migrations 0011, 0028).
    sa.Index("ix_inspections_progress", "campaign_year", "county_code", "inspection_date", "field"),
)

hazards = sa.Table(
    "hazards",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _enterprise_fk(),
    *_scope_columns(),
    _registered_county(),
    sa.Column("kind", sa.String(8), nullable=False, server_default="hazard"),
    sa.Column("grade", sa.String(16), nullable=False),
    sa.Column("problem_code", sa.String(8), nullable=False),
    sa.Column("category_code", sa.String(4), nullable=False, index=True),
    sa.Column("sub_product_code", sa.String(16), nullable=False),
    sa.Column("found_date", sa.Date, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("source_id", sa.Integer, nullable=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("control_measures", sa.Boolean, nullable=True),
    sa.Column("large_urgent", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("state", sa.String(16), nullable=False, server_default="found"),
    sa.Column("ordered_date", sa.Date, nullable=True),
    sa.Column("deadline", sa.Date, nullable=True),
    sa.Column("rectified_date", sa.Date, nullable=True),
    sa.Column("reinspected_date", sa.Date, nullable=True),
    sa.Column("closed_date", sa.Date, nullable=True),
    # The hazard's current span (hazardlib.figures, migration 0010): the date, to-state and held deadline
    # of its latest event in ledger order, NULL when it has none. Its state at a date on or after
    # span_date is span_state, read with no event. Kept by the ledger move; checked by ``hazard verify``.
    sa.Column("span_date", sa.Date, nullable=True),
    sa.Column("span_state", sa.String(16), nullable=True),
    sa.Column("span_deadline", sa.Date, nullable=True),
    # Whether the hazard's events are its milestone dates above (found, then at most once each ordered,
    # rectified, re-inspected and passed, closed out): its state at any date is then read from this row
    # (hazardlib.figures, migration 0027). Kept by the ledger move; checked by ``hazard verify``.
    sa.Column("plain_path", sa.Boolean, nullable=False, server_default=sa.false()),
    *_meta_columns(),
    sa.Index("ix_hazards_county_state", "county_code", "state"),
    # The tracker counts a year's hazards by county, in their state at a date (the span, or the plain path's
    # milestone dates), from this index alone, one range per county in the order GROUP BY wants (migrations
    # 0005, 0010, 0028). It reads each hazard's id too (its close and escalation events): a SQLite index carries
    # it as the rowid, a PostgreSQL one only when included (migration 0032).
    sa.Index(
        "ix_hazards_year_county_found",
        "campaign_year",
        "county_code",
        "found_date",
        *LEDGER_STATE,
        postgresql_include=["id"],
    ),
    # The results list's ledger figures, classified supervision and self-reported risks read a county's
    # hazards through their enterprises, in their state at a date, from this index alone (migrations 0009,
    # 0010).
    sa.Index(
        "ix_hazards_enterprise_figures",
        "enterprise_id",
        "found_date",
        "kind",
        "grade",
        "source",
        "source_id",
        "campaign_year",
        "span_date",
        "span_state",
        "span_deadline",
    ),
    # The results list's ledger figures by the county the enterprise is registered in, in their state at a
    # date, from this index alone (one range per county, in GROUP BY's order; migration 0011).
    # Classified supervision (stages.classified) reads the larger and major findings, by the enterprise's
    # county, from this index alone: one range per county, in the order of its GROUP BY by enterprise, so
    # that no temporary B-tree sorts them (migrations 0011, 0024; partial and in enterprise order, 0029).
    sa.Index(
        "ix_hazards_classified",
        "registered_county",
        "enterprise_id",
        "found_date",
        "campaign_year",
        "grade",
        sqlite_where=sa.text(CLASSIFIED_FINDINGS),
        postgresql_where=sa.text(CLASSIFIED_FINDINGS),
    ),
    # With the plain path and its milestone dates, the ledger at a date reads nine hazards in ten changed
    # after it from this index too (migration 0027). By county, kind and plain path before the date
    # (migration 0031): the results list's hazards on a plain path, those off it and the risks reported in
    # self-checks are each one range per county, so that the few hazards off the plain path are read
    # apart, not picked out of every hazard of the window again.
    # By grade before the plain path (migration 0034): each arm is one range per county and grade, so that the
    # figures by grade are the counts of its groups, no grade tested per hazard; the definition names the
    # grades, which the constraint below makes every hazard's.
    sa.Index(
        "ix_hazards_counted",
        "registered_county",
        "kind",
        "grade",
        "plain_path",
        "found_date",
        "source",
        *(c for c in LEDGER_STATE if c != "plain_path"),
    ),
    # The grade is one of the vocabulary's (migration 0034): a query may then name them all (grade IN (…))
    # and leave out no hazard.
    sa.CheckConstraint(sa.column("grade").in_(vocab.GRADE.codes), name="grade_known"),
)

hazard_events = sa.Table(
    "hazard_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "hazard_id", sa.Integer, sa.ForeignKey("hazards.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    sa.Column("move", sa.String(24), nullable=False),
    sa.Column("event_date", sa.Date, nullable=False),
    sa.Column("from_state", sa.String(16), nullable=True),
    sa.Column("to_state", sa.String(16), nullable=False),
    sa.Column("deadline", sa.Date, nullable=True),
    sa.Column("outcome", sa.String(32), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    # The ledger's shape (hazardlib.figures, migration 0009): the date of the hazard's next event in ledger
    # order (NULL for its latest; the state holds on event_date <= D < until_date), and the deadline in
    # force while it holds. Kept by the ledger move; checked by ``hazard verify``.
    sa.Column("until_date", sa.Date, nullable=True),
    sa.Column("held_deadline", sa.Date, nullable=True),
    # The ledger at a date seeks each hazard's one event holding then, and the figures' move conditions
    # read the same index, without a table row (migrations 0004, 0005, 0009).
    sa.Index(
        "ix_hazard_events_span",
        "hazard_id",
        "event_date",
        "id",
        "move",
        "to_state",
        "deadline",
        "until_date",
        "held_deadline",
    ),
    # The hazards with an event of a move within dates (figures.event_exists), read once (migration 0010).
    sa.Index("ix_hazard_events_move", "move", "event_date", "hazard_id"),
)

instruments = sa.Table(
    "instruments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _enterprise_fk(nullable=True),
    *_scope_columns(),
    _registered_county(),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("number", sa.String(64), nullable=True),
    sa.Column("issue_date", sa.Date, nullable=False),
    sa.Column("hazard_id", sa.Integer, sa.ForeignKey("hazards.id"), nullable=True, index=True),
    sa.Column("note", sa.Text, nullable=True),
    # Numbering and follow-up (migration 0015, hazardlib.instruments): the issuing county (or the prefecture)
    # and the serial of the number within its kind and year of issue, allocated in the issuing transaction
    # (the number itself is unique); the dates the instrument was served, its reply is due and the reply came.
    sa.Column("issuer_code", sa.String(6), nullable=True),
    sa.Column("serial", sa.Integer, nullable=True),
    sa.Column("served_date", sa.Date, nullable=True),
    sa.Column("reply_due", sa.Date, nullable=True),
    sa.Column("reply_date", sa.Date, nullable=True),
    *_meta_columns(),
    sa.UniqueConstraint("number"),
    # The results list counts instruments by their enterprise's registered county (else their own), from this
    # index alone (migration 0011): one range per county, kind and window, in GROUP BY's order, for those with
    # an enterprise; the range of no enterprise's county for the others (the county first, migration 0025; the
    # kind before the date, migration 0033).
    sa.Index("ix_instruments_counted", "registered_county", "kind", "issue_date", "county_code"),
    # The next serial of an issuer's kind in a year (allocated by hazardlib.instruments.save_instrument) read from this index
    # alone, one range, instead of every instrument of the year (migration 0026).
    sa.Index("ix_instruments_serial", "issuer_code", "kind", "issue_date", "serial"),
)

# The written reports a county keeps sending after the campaign's finish on the hazards still open
# (plan 四(三) 对10月底前未完成隐患问题整改的要持续书面报送整改完成情况), migration 0015.
written_reports = sa.Table(
    "written_reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    *_scope_columns(),
    sa.Column("report_date", sa.Date, nullable=False),
    sa.Column("number", sa.String(64), nullable=False, unique=True),
    sa.Column("hazard_ids", sa.JSON, nullable=False, default=list),
    sa.Column("note", sa.Text, nullable=True),
    *_meta_columns(),
    sa.Index("ix_written_reports_county_date", "county_code", "report_date"),
)

interviews = sa.Table(
    "interviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _enterprise_fk(),
    *_scope_columns(),
    _registered_county(),
    sa.Column("held_date", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("hazard_id", sa.Integer, sa.ForeignKey("hazards.id"), nullable=True),
    # What led to it (migration 0014): the trigger, the spot checks or the rule finding behind it, who took
    # part, what the enterprise committed to, when it is followed up, and its 约谈通知书's number.
    sa.Column("trigger", sa.String(24), nullable=True),
    sa.Column("spot_check_ids", sa.JSON, nullable=True),
    sa.Column("finding", sa.String(64), nullable=True),
    sa.Column("attendees", sa.Text, nullable=True),
    sa.Column("commitments", sa.Text, nullable=True),
    sa.Column("follow_up_date", sa.Date, nullable=True),
    sa.Column("notice_no", sa.String(64), nullable=True, unique=True),
    *_meta_columns(),
    # The results list counts interviews by their enterprise's registered county, from this index
    # alone (migration 0011).
    sa.Index("ix_interviews_counted", "registered_county", "held_date", "enterprise_id"),
)

spot_checks = sa.Table(
    "spot_checks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("batch_no", sa.String(64), nullable=False, unique=True),
    *_scope_columns(),
    _registered_county(),
    sa.Column("sampled_by_county", sa.String(6), nullable=False),
    sa.Column("sample_date", sa.Date, nullable=False),
    sa.Column("category_code", sa.String(4), nullable=False),
    sa.Column("sub_product_code", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("result", sa.String(16), nullable=False),
    sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=True, index=True),
    sa.Column("producer_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=True, index=True),
    sa.Column("producer_name", sa.String(200), nullable=True),
    sa.Column("producer_uscc", sa.String(18), nullable=True),
    sa.Column("producer_region", sa.String(100), nullable=True),
    sa.Column("seller_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=True, index=True),
    sa.Column("seller_name", sa.String(200), nullable=True),
    sa.Column("seller_uscc", sa.String(18), nullable=True),
    sa.Column("seller_region", sa.String(100), nullable=True),
    sa.Column("follow_up_of", sa.Integer, sa.ForeignKey("spot_checks.id"), nullable=True),
    sa.Column("enforcement_sampling", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("note", sa.Text, nullable=True),
    *_meta_columns(),
    # The results list counts batches by their enterprise's registered county, channel, result and
    # follow-up, from this index alone (migrations 0011, 0027).
    sa.Index(
        "ix_spot_checks_counted", "registered_county", "sample_date", "channel", "result", "follow_up_of"
    ),
)

tracing_tasks = sa.Table(
    "tracing_tasks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("spot_check_id", sa.Integer, sa.ForeignKey("spot_checks.id"), nullable=False, index=True),
    sa.Column("campaign_year", sa.Integer, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("from_county", sa.String(6), nullable=False, index=True),
    sa.Column("to_county", sa.String(6), nullable=False),
    sa.Column("target_enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=True),
    sa.Column("target_name", sa.String(200), nullable=True),
    sa.Column("target_uscc", sa.String(18), nullable=True),
    sa.Column("target_region", sa.String(100), nullable=True),
    sa.Column("state", sa.String(16), nullable=False, server_default="open"),
    sa.Column("created_date", sa.Date, nullable=False),
    sa.Column("due", sa.Date, nullable=True),
    sa.Column("done_date", sa.Date, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    *_meta_columns(),
    sa.UniqueConstraint("spot_check_id", "role"),
    # The tasks a county holds, and the results list's traces counted by county and window from this index
    # alone, one range per county (the creation date added, migration 0033).
    sa.Index("ix_tracing_tasks_to_county", "to_county", "created_date"),
)

# One row per pass-on of a tracing task (hazardlib.tracing.pass_on), written in the pass-on's transaction: who
# held the task (from_county) and who holds it from pass_date on (to_county; NULL when it left the prefecture,
# ``recipient`` then naming whom it went to as written), with the note written with it. ``tracing_tasks.to_county``
# is the holder now; the holder at an earlier date is the from_county of the first pass after it (migration 0030).
tracing_passes = sa.Table(
    "tracing_passes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("task_id", sa.Integer, sa.ForeignKey("tracing_tasks.id"), nullable=False),
    sa.Column("pass_date", sa.Date, nullable=False),
    sa.Column("from_county", sa.String(6), nullable=False),
    sa.Column("to_county", sa.String(6), nullable=True),
    sa.Column("recipient", sa.String(100), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    *_meta_columns(),
    # a task's passes in date order: the holder at a date is read from the first pass after it
    sa.Index("ix_tracing_passes_task", "task_id", "pass_date"),
    sa.Index("ix_tracing_passes_from_county", "from_county"),
    sa.Index("ix_tracing_passes_to_county", "to_county"),
)

enforcement_cases = sa.Table(
    "enforcement_cases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _enterprise_fk(),
    *_scope_columns(),
    _registered_county(),
    sa.Column("case_no", sa.String(64), nullable=True),
    sa.Column("filed_date", sa.Date, nullable=False),
    sa.Column("violation", sa.String(32), nullable=False),
    sa.Column("sub_product_code", sa.String(16), nullable=True),
    sa.Column("facts", sa.Text, nullable=True),
    sa.Column("penalty", sa.Text, nullable=True),
    sa.Column("persons_punished", sa.Integer, nullable=False, server_default="0"),
    sa.Column("transferred_to", sa.String(20), nullable=True),
    sa.Column("transfer_date", sa.Date, nullable=True),
    sa.Column("dishonesty_listed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("dishonesty_date", sa.Date, nullable=True),
    sa.Column("licence_revoked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("revoked_date", sa.Date, nullable=True),
    sa.Column("major_case", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("typical_case", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("published_date", sa.Date, nullable=True),
    sa.Column("hazard_id", sa.Integer, sa.ForeignKey("hazards.id"), nullable=True),
    # The outcomes that close its findings (migration 0014): the publicity's date and reference in 国家企业信用
    # 信息公示系统（贵州）, and a decision not to list or not to revoke (who decided, when, why).
    sa.Column("publicity_date", sa.Date, nullable=True),
    sa.Column("publicity_ref", sa.String(64), nullable=True),
    sa.Column("not_listed_by", sa.String(64), nullable=True),
    sa.Column("not_listed_date", sa.Date, nullable=True),
    sa.Column("not_listed_reason", sa.Text, nullable=True),
    sa.Column("not_revoked_by", sa.String(64), nullable=True),
    sa.Column("not_revoked_date", sa.Date, nullable=True),
    sa.Column("not_revoked_reason", sa.Text, nullable=True),
    *_meta_columns(),
    # The results list counts the cases by the county their enterprise is registered in from this index alone
    # (one range per county in GROUP BY's order, no read of the table; migration 0033): the window is an OR
    # of five dates, so every case of the county is read, from the index.
    sa.Index(
        "ix_enforcement_cases_counted",
        "registered_county",
        "filed_date",
        "transferred_to",
        "transfer_date",
        "dishonesty_listed",
        "dishonesty_date",
        "licence_revoked",
        "revoked_date",
        "typical_case",
        "published_date",
        "enterprise_id",
    ),
)

risk_signals = sa.Table(
    "risk_signals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    *_scope_columns(),
    _registered_county(),
    sa.Column("received_date", sa.Date, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=True, index=True),
    sa.Column("sub_product_code", sa.String(16), nullable=True),
    sa.Column("verification", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("verified_date", sa.Date, nullable=True),
    sa.Column("hazard_id", sa.Integer, sa.ForeignKey("hazards.id"), nullable=True),
    *_meta_columns(),
)

help_records = sa.Table(
    "help_records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    _enterprise_fk(),
    *_scope_columns(),
    _registered_county(),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("help_date", sa.Date, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    *_meta_columns(),
    # The results list counts help by their enterprise's registered county, from this index
    # alone (migration 0011).
    sa.Index("ix_help_records_counted", "registered_county", "help_date", "enterprise_id", "kind"),
    sa.UniqueConstraint("enterprise_id", "kind", "help_date"),
)

county_plans = sa.Table(
    "county_plans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    *_scope_columns(),
    sa.Column("adopted_date", sa.Date, nullable=True),
    sa.Column("document", sa.String(300), nullable=True),
    # Migration 0014: its 文号, who is responsible, and the plan file itself (PDF, DOCX or WPS/DOC, checked by
    # its content, at most hazardlib.plan_files.MAX_BYTES) with its SHA-256. The file's bytes never reach the
    # audit log (hazardlib.store), its checksum does.
    sa.Column("document_no", sa.String(64), nullable=True, unique=True),
    sa.Column("responsible", sa.String(300), nullable=True),
    sa.Column("file_name", sa.String(200), nullable=True),
    sa.Column("file_type", sa.String(8), nullable=True),
    sa.Column("file_size", sa.Integer, nullable=True),
    sa.Column("file_sha256", sa.String(64), nullable=True),
    sa.Column("file_data", sa.LargeBinary, nullable=True),
    *_meta_columns(),
    sa.UniqueConstraint("county_code", "campaign_year"),
)

county_oversight = sa.Table(
    "county_oversight",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    *_scope_columns(),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("action_date", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("reported_to_local_government", sa.Boolean, nullable=False, server_default=sa.false()),
    # Migration 0014: the prefecture's document number, the day the county's written response is due, and
    # that response (what, when, by whom) as the county records it.
    sa.Column("number", sa.String(64), nullable=True, unique=True),
    sa.Column("due_date", sa.Date, nullable=True),
    sa.Column("response", sa.Text, nullable=True),
    sa.Column("response_date", sa.Date, nullable=True),
    sa.Column("responded_by", sa.String(64), nullable=True),
    *_meta_columns(),
)

# Reports to the local Party committee and government on hard problems (plan 四(一) 重大问题及时向当地党委政府报告),
# each about a hazard or an enterprise (migration 0014).
local_reports = sa.Table(
    "local_reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    *_scope_columns(),
    sa.Column("report_date", sa.Date, nullable=False),
    sa.Column("document_no", sa.String(64), nullable=True, unique=True),
    sa.Column("enterprise_id", sa.Integer, sa.ForeignKey("enterprises.id"), nullable=True, index=True),
    sa.Column("hazard_id", sa.Integer, sa.ForeignKey("hazards.id"), nullable=True, index=True),
    sa.Column("summary", sa.Text, nullable=False),
    *_meta_columns(),
)

immediate_reports = sa.Table(
    "immediate_reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    *_scope_columns(),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("record_table", sa.String(32), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("raised_at", sa.DateTime, nullable=False),
    sa.Column("due_at", sa.DateTime, nullable=False),
    sa.Column("acknowledged_at", sa.DateTime, nullable=True),
    sa.Column("acknowledged_by", sa.String(64), nullable=True),
    sa.Column("summary", sa.Text, nullable=True),
    sa.UniqueConstraint("record_table", "record_id", "kind"),
)

# A county's package for one report deadline of the campaign calendar (hazardlib.submissions): one row per
# version (``edition``); a returned package keeps its row and the county's next version is a new one. The
# figures and typical cases are frozen as submitted (JSON), the summary (docx) and the stamped scan are kept as
# uploaded, with their SHA-256 (the audit log names the digest, never the file's bytes).
submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    *_scope_columns(),
    sa.Column("deadline", sa.Date, nullable=False),
    sa.Column("edition", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("figures", sa.JSON, nullable=True),
    sa.Column("figures_as_of", sa.Date, nullable=True),
    sa.Column("cases", sa.JSON, nullable=True),
    sa.Column("summary_name", sa.String(200), nullable=True),
    sa.Column("summary_drafted", sa.Boolean, nullable=True),
    sa.Column("summary_sha256", sa.String(64), nullable=True),
    sa.Column("summary_docx", sa.LargeBinary, nullable=True),
    sa.Column("scan_name", sa.String(200), nullable=True),
    sa.Column("scan_type", sa.String(16), nullable=True),
    sa.Column("scan_sha256", sa.String(64), nullable=True),
    sa.Column("scan", sa.LargeBinary, nullable=True),
    sa.Column("submitted_at", sa.DateTime, nullable=True),
    sa.Column("submitted_by", sa.String(64), nullable=True),
    sa.Column("reviewed_at", sa.DateTime, nullable=True),
    sa.Column("reviewed_by", sa.String(64), nullable=True),
    sa.Column("review_comments", sa.JSON, nullable=True),
    *_meta_columns(),
    sa.UniqueConstraint("county_code", "deadline", "edition"),
    sa.Index("ix_submissions_year_deadline", "campaign_year", "deadline", "county_code"),
)

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("file_name", sa.String(300), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("imported_at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("rows_inserted", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_updated", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_unchanged", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rows_rejected", sa.Integer, nullable=False, server_default="0"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("table_name", sa.String(32), nullable=False),
    sa.Column("record_id", sa.Integer, nullable=True),
    sa.Column("county_code", sa.String(6), nullable=True),
    sa.Column("before", sa.JSON, nullable=True),
    sa.Column("after", sa.JSON, nullable=True),
    sa.Column("context", sa.String(300), nullable=True),
    sa.Index("ix_audit_log_table_record", "table_name", "record_id"),
    # Every entry names a person; triggers refuse UPDATE and DELETE (migration 0002) and, on SQLite, an
    # insert naming an id already there, as INSERT OR REPLACE does (0007).
    sa.CheckConstraint("length(trim(actor)) > 0", name="actor_named"),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(32), nullable=False, unique=True),
    # NULL: a prefecture (州局) account, which sees every county.
    sa.Column("county_code", sa.String(6), nullable=True),
    # An argon2 hash (argon2-cffi); the password itself is never stored.
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    *_meta_columns(),
)

# The login state of ``hazard serve`` (hazardlib.login_state), kept in the store so that several servers on
# one database share it and a restart keeps everyone logged in.
# One row per login: the cookie holds a random nonce; only its SHA-256 is kept here. ``stamp`` is the
# account's password stamp at login (a changed password ends the login); ``revoked_at`` is set by logout and
# by ``hazard users disable|passwd``.
login_sessions = sa.Table(
    "login_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("nonce_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("account_name", sa.String(32), nullable=False, index=True),
    sa.Column("stamp", sa.String(16), nullable=False),
    sa.Column("issued_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime, nullable=True),
)

# Recent failed logins per account name (kind "name") and per client address (kind "address"): how many
# since the last quiet spell, and when the next attempt is allowed (a growing back-off, never a lockout).
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failed_at", sa.DateTime, nullable=False),
    sa.Column("retry_at", sa.DateTime, nullable=False),
)

# One-time binding tokens (hazardlib.login_state.mint_binding): the server mints one for each dashboard page
# a logged-in person opens and hands it to the kernel the page is served from (a preheated kernel of the pool
# learns its request only then); the kernel redeems it once, which binds the kernel to the token's login
# session. Only the token's SHA-256 is kept; ``kernel_id`` is the kernel that redeemed it (one token per
# kernel, so a kernel never serves two people).
login_bindings = sa.Table(
    "login_bindings",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("session_id", sa.Integer, nullable=False, index=True),
    sa.Column("issued_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("kernel_id", sa.String(64), nullable=True, unique=True),
    sa.Column("redeemed_at", sa.DateTime, nullable=True),
)

# Secrets the servers share, generated once: "cookie" signs the login cookies.
server_secrets = sa.Table(
    "server_secrets",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

store_meta = sa.Table(
    "store_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

# Tables whose rows are campaign records a county owns (for scoping and demo replacement), in an order
# that respects foreign keys when inserting; reverse it to delete.
RECORD_TABLES: tuple[sa.Table, ...] = (
    enterprises,
    self_checks,
    risk_control_items,
    inspections,
    hazards,
    hazard_events,
    instruments,
    interviews,
    spot_checks,
    tracing_tasks,
    tracing_passes,
    enforcement_cases,
    risk_signals,
    help_records,
    county_plans,
    county_oversight,
    local_reports,
    immediate_reports,
    written_reports,
    submissions,
)
