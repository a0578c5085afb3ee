"""Every rule has a stable id, a Chinese title, the plan's sentence, a docstring quoting it, and a line in
docs/rules.md with that id and that sentence."""

from __future__ import annotations

import re
from pathlib import Path

from hazardlib.rules import RULES

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_rule_ids_are_stable_snake_case_with_chinese_titles_and_a_quoted_docstring():
    assert len(RULES) >= 11
    for rule_id, rule in RULES.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", rule_id) and rule.id == rule_id
        assert CJK.search(rule.title) and CJK.search(rule.quote)
        first = (rule.check.__doc__ or "").split("\n", 1)[0].rstrip(".")
        assert first.split(",")[0] in rule.quote, rule_id  # the docstring opens with the plan's words


def test_docs_list_every_rule_with_its_sentence_and_no_other():
    text = DOCS.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| [^|]+ \| ([^|]+) \|", text, flags=re.M))
    assert set(rows) == set(RULES)
    for rule_id, quoted in rows.items():
        assert quoted.strip() in (RULES[rule_id].quote, "同上"), rule_id
