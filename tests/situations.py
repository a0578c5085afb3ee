"""Hand-built situations for the rules' tests: each record goes through its model and ``records.save_*``
(or the ledger), exactly as a form or an import would store it."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hazardlib import ledger, models, records, schema
from hazardlib.demo import generate
from hazardlib.fields import duties
from hazardlib.rules import RuleFinding, run_rule
from hazardlib.store import Store, open_store

from .conftest import make_uscc

D = dt.date


class Situation:
    """A small campaign built record by record; methods return the new record's id."""

    def __init__(self, store: Store):
        self.store = store
        self._serial = 0
        self._batch = 0

    def save(self, save: Any, model: Any, data: dict[str, Any], *args: Any) -> int:
        """``data`` checked by ``model`` and stored by ``save`` (a ``records.save_*``) in one transaction."""
        rec = models.validate(model, data)
        with self.store.transaction("测试") as tx:
            return int(save(tx, rec, *args)[0])

    def enterprise(
        self,
        county: str = "522701",
        field: str = "producer",
        products: Iterable[str] = ("03-01",),
        **extra: Any,
    ) -> int:
        self._serial += 1
        name = extra.pop("name", f"测试{self._serial}号{'' if field != 'seller' else '商贸'}有限公司")
        data = {
            "uscc": make_uscc(county, self._serial),
            "name": name,
            "county_code": county,
            "field": field,
            "products": list(products),
            **extra,
        }
        return self.save(records.save_enterprise, models.Enterprise, data)

    def change_enterprise(self, enterprise_id: int, **changes: Any) -> tuple[int, str]:
        """The stored enterprise saved again with ``changes`` (as an edit in the form): (id, outcome)."""
        row = self.store.get(schema.enterprises, enterprise_id)
        data = {k: row[k] for k in ("uscc", "name", "field", "county_code", "products")}
        with self.store.transaction("测试：修改企业") as tx:
            return records.save_enterprise(tx, models.Enterprise(**{**data, **changes}))

    def unqualified_shop(self, county: str, name: str, day: dt.date, **parties: Any) -> tuple[int, int]:
        """A shop of ``county`` selling 04-01 and a batch of it found unqualified there on ``day``, naming the
        ``parties`` given (producer=…, seller=…; by default the shop as the seller): (shop, batch)."""
        shop = self.enterprise(county, field="seller", name=name, products=("04-01",))
        named = parties or {"seller": {"enterprise_id": shop}}
        return shop, self.spot_check(day, "unqualified", enterprise_id=shop, product="04-01", **named)

    def hazard(
        self,
        enterprise_id: int,
        found: dt.date,
        *,
        grade: str = "general",
        kind: str = "hazard",
        product: str = "03-01",
        problem: str = "P07",
        ordered: dt.date | None = None,
        deadline: dt.date | None = None,
        **extra: Any,
    ) -> int:
        data = {
            "enterprise_id": enterprise_id,
            "campaign_year": found.year,
            "kind": kind,
            "grade": grade,
            "problem_code": problem,
            "sub_product_code": product,
            "found_date": found,
            "source": extra.pop("source", "inspection"),
            "ordered_date": ordered,
            "deadline": deadline,
            **extra,
        }
        return self.save(records.save_hazard, models.Hazard, data)

    def move(self, hazard_id: int, move: str, day: dt.date, **kwargs: Any) -> dict[str, Any]:
        return ledger.move(self.store, hazard_id, move, day=day, **kwargs)

    def moves(self, hazard_id: int, *steps: tuple[Any, ...]) -> None:
        """Several moves: each step is (move, day) or (move, day, {keyword arguments})."""
        for step in steps:
            self.move(hazard_id, step[0], step[1], **(step[2] if len(step) > 2 else {}))

    def ledger_story(
        self, closed_at: int, reopened_at: int, failed_at: int, refused_at: int
    ) -> dict[str, int]:
        """Four hazards taken through the ledger in June–August 2024, at the enterprises given: one closed
        out, one closed then reopened by a look-back, one failing its re-inspection, one refused and
        escalated. Returns their ids by those names."""
        closed = self.hazard(
            closed_at, D(2024, 6, 20), grade="larger", ordered=D(2024, 6, 20), deadline=D(2024, 7, 10)
        )
        self.moves(closed, ("rectify", D(2024, 7, 5)), ("reinspect", D(2024, 7, 8), {"outcome": "passed"}),
                   ("close", D(2024, 7, 8)))  # fmt: skip
        reopened = self.hazard(reopened_at, D(2024, 6, 25), ordered=D(2024, 6, 25), deadline=D(2024, 7, 5))
        self.moves(reopened, ("rectify", D(2024, 7, 1)), ("reinspect", D(2024, 7, 2), {"outcome": "passed"}),
                   ("close", D(2024, 7, 2)),
                   ("look_back", D(2024, 8, 1), {"outcome": "reopened", "deadline": D(2024, 8, 10)}))  # fmt: skip
        failed = self.hazard(failed_at, D(2024, 7, 1), grade="major", problem="P02", ordered=D(2024, 7, 1),
                             deadline=D(2024, 7, 20))  # fmt: skip
        self.moves(failed, ("rectify", D(2024, 7, 10)),
                   ("reinspect", D(2024, 7, 15), {"outcome": "failed", "deadline": D(2024, 8, 30)}))  # fmt: skip
        refused = self.hazard(refused_at, D(2024, 7, 2), ordered=D(2024, 7, 2), deadline=D(2024, 7, 12))
        self.moves(
            refused, ("refuse", D(2024, 7, 13)), ("escalate", D(2024, 7, 14), {"outcome": "interview"})
        )
        return {"closed": closed, "reopened": reopened, "failed": failed, "refused": refused}

    def spot_check(
        self,
        day: dt.date,
        result: str,
        *,
        enterprise_id: int | None = None,
        producer: dict[str, Any] | None = None,
        seller: dict[str, Any] | None = None,
        sampled_by: str = "522701",
        product: str = "03-01",
        channel: str = "shop",
        **extra: Any,
    ) -> int:
        self._batch += 1
        data = {
            "batch_no": extra.pop("batch_no", f"CC{day:%Y%m%d}{self._batch:04d}"),
            "sampled_by_county": sampled_by,
            "sample_date": day,
            "sub_product_code": product,
            "channel": channel,
            "result": result,
            "enterprise_id": enterprise_id,
            "producer": producer or {},
            "seller": seller or {},
            **extra,
        }
        return self.save(records.save_spot_check, models.SpotCheck, data)

    def interview(self, enterprise_id: int, day: dt.date, **extra: Any) -> int:
        data = {"enterprise_id": enterprise_id, "campaign_year": day.year, "held_date": day, **extra}
        return self.save(records.save_interview, models.Interview, data)

    def case(self, enterprise_id: int, day: dt.date, violation: str, **extra: Any) -> int:
        data = {
            "enterprise_id": enterprise_id,
            "campaign_year": day.year,
            "filed_date": day,
            "violation": violation,
            **extra,
        }
        return self.save(records.save_enforcement_case, models.EnforcementCase, data)

    def signal(self, county: str, day: dt.date, source: str = "complaint", **extra: Any) -> int:
        self._batch += 1
        data = {
            "county_code": county,
            "campaign_year": day.year,
            "received_date": day,
            "source": source,
            "description": extra.pop("description", f"群众反映产品质量问题（第{self._batch}条）"),
            **extra,
        }
        return self.save(records.save_risk_signal, models.RiskSignal, data)

    def help(self, enterprise_id: int, day: dt.date, kind: str) -> int:
        data = {"enterprise_id": enterprise_id, "campaign_year": day.year, "kind": kind, "help_date": day}
        return self.save(records.save_help, models.HelpRecord, data)

    def inspection(
        self, enterprise_id: int, day: dt.date, field: str = "production", product: str = "03-01"
    ) -> int:
        data = {
            "enterprise_id": enterprise_id,
            "campaign_year": day.year,
            "inspection_date": day,
            "field": field,
            "sub_product_code": product,
        }
        return self.save(records.save_inspection, models.Inspection, data)

    def self_check(self, enterprise_id: int, day: dt.date, *, gaps: Iterable[str] = (), **extra: Any) -> int:
        data = {
            "enterprise_id": enterprise_id,
            "campaign_year": day.year,
            "check_date": day,
            **{d: d not in set(gaps) for d in duties(models.SelfCheck).values()},
            **extra,
        }
        return self.save(records.save_self_check, models.SelfCheck, data)

    def plan(self, county: str, day: dt.date) -> int:
        data = {
            "county_code": county,
            "campaign_year": day.year,
            "adopted_date": day,
            "document": f"{county}方案",
        }
        return self.save(records.save_county_plan, models.CountyPlan, data)

    def oversight(self, county: str, kind: str, day: dt.date) -> int:
        data = {
            "county_code": county,
            "campaign_year": day.year,
            "kind": kind,
            "action_date": day,
            "reason": "测试",
        }
        return self.save(records.save_oversight, models.CountyOversight, data)

    def findings(self, rule_id: str, as_of: dt.date, county: str | None = None) -> list[RuleFinding]:
        return run_rule(rule_id, self.store, as_of, county)


def subjects(findings: Iterable[RuleFinding]) -> set[int | None]:
    """The enterprise ids the findings are about."""
    return {f.enterprise_id for f in findings}


_DEMO: dict[float, Path] = {}


def demo_url(tmp_path_factory: Any, scale: float = 1.0) -> str:
    """The URL of a SQLite store holding the demo campaign (seed 7, ``scale``), built once per test run and
    shared by every test that reads it: never write to it (:func:`demo_copy` gives a store of one's own)."""
    if scale not in _DEMO:
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        store = open_store(f"sqlite:///{path}", user="演示数据生成器")
        generate(store, seed=7, scale=scale, progress=False)
        store.dispose()
        _DEMO[scale] = path
    return f"sqlite:///{_DEMO[scale]}"


def demo_copy(tmp_path_factory: Any, scale: float = 1.0) -> str:
    """The URL of a store of its own holding the demo campaign (seed 7, ``scale``), to write to: a copy of
    :func:`demo_url`'s file (the demo is built once; a copy takes milliseconds)."""
    built = Path(demo_url(tmp_path_factory, scale).removeprefix("sqlite:///"))
    path = tmp_path_factory.mktemp("demo-copy") / "demo.db"
    shutil.copyfile(built, path)
    return f"sqlite:///{path}"
