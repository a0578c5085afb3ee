"""Key problems per field, on-site inspection checklists, self-check items and risk-control-list points."""

from __future__ import annotations

import csv
import functools
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from hazardlib.datafiles import resolve
from hazardlib.errors import Finding, ValidationFailed

FIELD_NAMES: dict[str, str] = {"production": "生产领域", "circulation": "流通领域"}
QUESTION_WORDS = ("是否", "能否", "？", "?")
"""An item is a requirement (“已建立进货查验制度”) that “符合／不符合” or “是／否” answers; a question
(“是否建立……”) reads wrongly after its answer, so the file may not phrase one so."""


@dataclass(frozen=True)
class Problem:
    """A key problem of the plan (“3.重点问题”) in one field, or that field's 其他."""

    code: str
    field: str
    name: str
    note: str = ""


@dataclass(frozen=True)
class InspectionItem:
    """One line of an on-site inspection checklist and the problem its failure suggests."""

    code: str
    field: str
    topic: str
    text: str
    problem: str


@dataclass(frozen=True)
class SelfCheckItem:
    """A main-responsibility self-check item: system, staff, 日管控、周排查、月调度."""

    code: str
    name: str
    text: str


@dataclass(frozen=True)
class RiskPoint:
    """A point a producer's or seller's risk control list (风险管控清单) must cover."""

    code: str
    field: str
    aspect: str
    name: str


@dataclass(frozen=True)
class Checklists:
    """Everything in `checklists.toml`, with the problems it refers to."""

    problems: tuple[Problem, ...]
    inspection_items: tuple[InspectionItem, ...]
    self_check_items: tuple[SelfCheckItem, ...]
    risk_control_points: tuple[RiskPoint, ...]

    def inspection(self, field: str) -> tuple[InspectionItem, ...]:
        """The on-site checklist of one field; raises ValueError for an unknown field."""
        _check_field(field)
        return tuple(i for i in self.inspection_items if i.field == field)

    def risk_points(self, field: str) -> tuple[RiskPoint, ...]:
        """The risk-control-list points of producers or sellers; raises ValueError for an unknown field."""
        _check_field(field)
        return tuple(r for r in self.risk_control_points if r.field == field)

    def problem(self, code: str) -> Problem:
        """The problem with this code; raises KeyError with a Chinese message."""
        for problem in self.problems:
            if problem.code == code:
                return problem
        raise KeyError(f"问题代码“{code}”不在重点问题清单中")


def _check_field(field: str) -> None:
    if field not in FIELD_NAMES:
        raise ValueError(f"领域“{field}”无效，应为 production（生产领域）或 circulation（流通领域）")


def load_problems(data_dir: str | os.PathLike[str] | None = None) -> tuple[Problem, ...]:
    """The key problems from `problems.csv`, production first."""
    return _problems(resolve(data_dir))


def load_checklists(data_dir: str | os.PathLike[str] | None = None) -> Checklists:
    """The checklists from `checklists.toml` (cached per folder); raises ValidationFailed on a bad code."""
    return _checklists(resolve(data_dir))


@functools.lru_cache(maxsize=8)
def _problems(folder: Path) -> tuple[Problem, ...]:
    with open(folder / "problems.csv", encoding="utf-8", newline="") as handle:
        problems = tuple(Problem(r["code"], r["field"], r["name"], r["note"]) for r in csv.DictReader(handle))
    bad = [p for p in problems if p.field not in FIELD_NAMES]
    if bad:
        raise ValidationFailed(
            Finding("problems", "领域应为 production 或 circulation", "field", p.field, file="problems.csv")
            for p in bad
        )
    return problems


@functools.lru_cache(maxsize=8)
def _checklists(folder: Path) -> Checklists:
    with open(folder / "checklists.toml", "rb") as handle:
        raw = tomllib.load(handle)
    problems = _problems(folder)
    field_of = {p.code: p.field for p in problems}
    items = tuple(InspectionItem(**i) for i in raw["inspection"])
    risks = tuple(RiskPoint(**r) for r in raw["risk_point"])
    findings = [
        Finding(
            "checklists", "问题代码不存在或与检查项的领域不一致", "problem", i.problem, file="checklists.toml"
        )
        for i in items
        if field_of.get(i.problem) != i.field
    ]
    others: list[InspectionItem | RiskPoint] = [*items, *risks]
    findings += [
        Finding("checklists", "领域应为 production 或 circulation", "field", x.field, file="checklists.toml")
        for x in others
        if x.field not in FIELD_NAMES
    ]
    if findings:
        raise ValidationFailed(findings)
    self_check = tuple(SelfCheckItem(**s) for s in raw["self_check"])
    worded: list[InspectionItem | SelfCheckItem] = [*items, *self_check]
    findings += [
        Finding(
            "checklists",
            "检查项应写成要求（如“已建立进货查验制度”），不写成“是否……”的问句，否则“符合／不符合”接在后面读不通",
            "text",
            x.text,
            file="checklists.toml",
        )
        for x in worded
        if any(word in x.text for word in QUESTION_WORDS)
    ]
    if findings:
        raise ValidationFailed(findings)
    return Checklists(problems, items, self_check, risks)
