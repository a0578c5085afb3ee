"""The dropdown lists of the templates, built from the reference data and the closed vocabularies.

Product, category, problem and risk-point entries are written as "code name" (``03-01 水泥``) so that
a choice is unique and readable; the import accepts the code, the name or the whole entry.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from .. import vocab
from ..catalogue import catalogue_of, load_catalogue
from ..checklists import load_checklists, load_problems
from ..datafiles import data_dir
from ..regions import load_regions

DEADLINE_UNITS = vocab.Vocabulary(
    "期限单位", {"calendar": "自然日", "working": "工作日"}, {"calendar": ("日", "天")}
)

# The rectification template's 结论 column: a re-inspection's or look-back's outcome, an escalation, or
# whether a risk's control measures are in place.
OUTCOMES: tuple[vocab.Vocabulary, ...] = tuple(vocab.MOVE_OUTCOME.values())

_VOCABULARIES: dict[str, vocab.Vocabulary] = {
    "enterprise_fields": vocab.ENTERPRISE_FIELD,
    "fields": vocab.FIELD,
    "grades": vocab.GRADE,
    "finding_kinds": vocab.FINDING_KIND,
    "hazard_states": vocab.HAZARD_STATE,
    "hazard_moves": vocab.HAZARD_MOVE,
    "channels": vocab.CHANNEL,
    "spot_results": vocab.SPOT_RESULT,
    "party_roles": vocab.PARTY_ROLE,
    "violations": vocab.VIOLATION,
    "transfers": vocab.TRANSFER,
    "help_kinds": vocab.HELP_KIND,
    "signal_sources": vocab.SIGNAL_SOURCE,
    "signal_states": vocab.SIGNAL_STATE,
    "deadline_units": DEADLINE_UNITS,
    "interview_triggers": vocab.INTERVIEW_TRIGGER,
    "oversight_kinds": vocab.OVERSIGHT_KIND,
    "instrument_kinds": vocab.INSTRUMENT_KIND,
}

LIST_TITLES = {
    "counties": "县（市）",
    "categories": "产品类别",
    "sub_products": "产品",
    "problems": "问题类型",
    "risk_points": "风险点类别",
    "yes_no": "是否",
    "outcomes": "结论",
    **{name: v.name for name, v in _VOCABULARIES.items()},
}

_CODE_FIRST = re.compile(r"^([A-Z]?\d{2}(?:-\d{2})?|[A-Z]-\d{2}|C\d{6}-\d{2})(?:\s+|$)")


def vocabulary(name: str) -> vocab.Vocabulary:
    """The closed vocabulary behind a dropdown list."""
    return _VOCABULARIES[name]


def choice_lists(year: int | None = None) -> dict[str, tuple[str, ...]]:
    """Every dropdown list by name, in the order the template shows it; the key products are those of
    campaign ``year`` (its ``[catalogue]``), or of every category when no year is given."""
    return _choice_lists(year, data_dir())


@functools.cache
def _choice_lists(year: int | None, folder: Path) -> dict[str, tuple[str, ...]]:
    catalogue = load_catalogue(folder) if year is None else catalogue_of(year, folder)
    lists: dict[str, tuple[str, ...]] = {
        "counties": tuple(c.name for c in load_regions(folder).counties),
        "categories": tuple(f"{c.code} {c.name}" for c in catalogue.categories),
        "sub_products": tuple(f"{s.code} {s.name}" for c in catalogue.categories for s in c.sub_products),
        "problems": tuple(f"{p.code} {p.name}" for p in load_problems(folder)),
        "risk_points": tuple(f"{r.code} {r.name}" for r in load_checklists(folder).risk_control_points),
        "yes_no": tuple(vocab.YES_NO_LABELS.values()),
        "outcomes": tuple(label for v in OUTCOMES for label in v.labels.values()),
    }
    for name, v in _VOCABULARIES.items():
        lists[name] = tuple(v.labels.values())
    return lists


def lookup(words: vocab.Vocabulary, value: object) -> str | None:
    """The code ``value`` means in ``words``; labels written with full-width punctuation (“问题反弹，重新整改”)
    match the cleaned cell too."""
    code = words.lookup(value)
    if code is not None or value is None:
        return code
    text = vocab.clean_text(str(value))
    for code, label in words.labels.items():
        if vocab.clean_text(label) == text or text in {
            vocab.clean_text(w) for w in words.variants.get(code, ())
        }:
            return code
    return None


def leading_code(text: str) -> tuple[str | None, str]:
    """Split "03-01 水泥" into ("03-01", "水泥"); a text without a leading code gives (None, text)."""
    match = _CODE_FIRST.match(text)
    if match is None:
        return None, text
    return match.group(1), text[match.end() :].strip()
