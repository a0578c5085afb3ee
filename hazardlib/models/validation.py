"""Validating data against a record model and turning pydantic's errors into findings in Chinese."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..datafiles import data_dir
from ..errors import Finding, ValidationFailed

M = TypeVar("M", bound=BaseModel)


def max_chars(model: type[BaseModel], key: str) -> int | None:
    """The most characters ``model``'s text field ``key`` takes, as the model declares it (None: no bound
    declared; a code's own check bounds it)."""
    limits = [m.max_length for m in model.model_fields[key].metadata if getattr(m, "max_length", None)]
    return int(limits[0]) if limits else None


# -- turning pydantic's errors into findings ------------------------------------------------------

_PYDANTIC_MESSAGES = {
    "missing": "必填，不能为空",
    "date_parsing": "不是有效的日期（可写作 2024-06-03、2024/6/3 或 2024年6月3日）",
    "date_from_datetime_parsing": "不是有效的日期",
    "date_type": "不是有效的日期",
    "datetime_parsing": "不是有效的日期时间",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "bool_parsing": "应填写“是”或“否”",
    "bool_type": "应填写“是”或“否”",
    "string_type": "应为文字",
    "string_too_short": "内容太短",
    "string_too_long": "内容太长",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "extra_forbidden": "不是本表的字段",
    "dict_type": "格式不正确",
    "list_type": "格式不正确",
    "model_type": "格式不正确",
    "too_long": "项目太多",
    "too_short": "项目太少",
    "int_parsing_size": "数值太大",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限的数字",
    "date_from_datetime_inexact": "应为日期，不能带时间",
    "datetime_type": "不是有效的日期时间",
    "string_unicode": "含有无法识别的字符",
}


_CJK = re.compile(r"[\u4e00-\u9fff]")
_FALLBACK_MESSAGE = "填写的内容无效，请按模板说明填写"


def _title(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    titles: list[str] = []
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            titles.append(f"第{part + 1}项")
            continue
        fields = getattr(current, "model_fields", {})
        info = fields.get(part)
        if info is None:
            titles.append(str(part))
            current = None
            continue
        titles.append(info.title or str(part))
        ann = info.annotation
        current = next(
            (a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type) and issubclass(a, BaseModel)),
            ann,
        )
    return "·".join(titles) or "记录"


def findings_of(model: type[BaseModel], error: ValidationError) -> list[Finding]:
    """One finding per pydantic error, the field named by its Chinese title, the message in Chinese."""
    out = []
    for e in error.errors(include_url=False):
        loc = tuple(e.get("loc", ()))
        kind = e["type"]
        if kind in ("too_long", "too_short") and isinstance(e.get("input"), str):
            kind = f"string_{kind}"  # an optional text field's length check reports the generic type
        if not loc and e.get("ctx", {}).get("field"):  # a whole-record rule about one field
            loc = (e["ctx"]["field"],)
        if kind in _PYDANTIC_MESSAGES:
            message = _PYDANTIC_MESSAGES[kind]
            if kind in ("string_too_long", "string_too_short") and "ctx" in e:
                limit = e["ctx"].get("max_length") or e["ctx"].get("min_length")
                message = f"{message}（{'最多' if kind.endswith('long') else '至少'}{limit}个字）"
        elif _CJK.search(e["msg"]):
            message = e["msg"]
        else:  # a check of pydantic's own that has no wording here yet
            message = _FALLBACK_MESSAGE
        value = e.get("input")
        if isinstance(value, Mapping):
            value = None
        if kind == "string_too_long" and isinstance(value, str):
            message = f"{message}，已填写 {len(value):,} 个字"
            value = shown(value)
        out.append(
            Finding(code=kind, message=message, field=_title(model, loc) if loc else None, value=value)
        )
    return out


SHOWN_CHARS = 50


def shown(value: Any) -> Any:
    """A value as a finding shows it: a long text cut short (a finding is read, not a copy of the text)."""
    if isinstance(value, str) and len(value) > 4 * SHOWN_CHARS:
        return f"{value[:SHOWN_CHARS]}……（共 {len(value)} 个字符）"
    return value


def context_of(today: dt.date | None) -> dict[str, Any]:
    """What the field checks read besides the data: the day the record is checked on (None: today) and the
    reference-data folder, read once here rather than by every field that looks a code up."""
    return {"today": today, "data_dir": data_dir()}


def validate(model: type[M], data: Mapping[str, Any], *, today: dt.date | None = None) -> M:
    """``data`` as a ``model``; raises ValidationFailed with every finding if anything is wrong."""
    try:
        return model.model_validate(dict(data), context=context_of(today))
    except ValidationError as exc:
        raise ValidationFailed(findings_of(model, exc)) from None


def check(
    model: type[M], data: Mapping[str, Any], *, today: dt.date | None = None
) -> tuple[M | None, list[Finding]]:
    """Like :func:`validate` but returns ``(record or None, findings)`` and never raises."""
    try:
        return validate(model, data, today=today), []
    except ValidationFailed as exc:
        return None, exc.findings


@functools.lru_cache(maxsize=64)
def _list_of(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def check_many(
    model: type[M], items: Sequence[Mapping[str, Any]], *, today: dt.date | None = None
) -> list[tuple[M | None, list[Finding]]]:
    """:func:`check` of each of ``items``, in their order, the valid ones validated in one call of pydantic.

    One call over a batch saves pydantic's per-call entry for each record (a large import validates
    100,000). Its errors say which items they belong to (``loc[0]``): those items are checked again one
    by one by :func:`check`, so that their findings are exactly those a record checked alone gets, and
    the others validated together once more.
    """
    context = context_of(today)
    try:
        return [(record, []) for record in _list_of(model).validate_python(list(items), context=context)]
    except ValidationError as exc:
        bad = {e["loc"][0] if e["loc"] else None for e in exc.errors(include_url=False)}
    if not all(isinstance(i, int) for i in bad):  # not an item's error (none expected): each alone
        return [check(model, data, today=today) for data in items]
    good = [data for i, data in enumerate(items) if i not in bad]
    valid = iter(check_many(model, good, today=today) if good else [])
    return [check(model, data, today=today) if i in bad else next(valid) for i, data in enumerate(items)]
