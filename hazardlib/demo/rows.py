"""Records the generator has drawn but not yet written, linked to each other before they have ids."""

from __future__ import annotations

from collections import defaultdict
from typing import Any


class Row:
    """One record of ``table``; ``refs`` name other rows whose ids fill columns once they are written."""

    __slots__ = ("id", "many", "refs", "table", "values")

    def __init__(self, table: str, values: dict[str, Any], refs: dict[str, Row] | None = None):
        self.table = table
        self.values = values
        self.refs = refs or {}
        self.many: dict[str, list[Row]] = {}  # a list column: the ids of these rows of earlier tables
        self.id: int | None = None


class Block:
    """The records drawn for one block of enterprises, by table, in the order they were drawn."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Row]] = defaultdict(list)
        self.items_of: dict[int, list[dict[str, Any]]] = {}  # risk-control items by id(self-check row)

    def add(self, table: str, values: dict[str, Any], **refs: Row | None) -> Row:
        row = Row(table, values, {k: v for k, v in refs.items() if v is not None})
        self.rows[table].append(row)
        return row
