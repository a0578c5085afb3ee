"""The field types and checks the record models are built from: what people write (Chinese labels and
their variants, full-width digits, stray spaces) turned into stored codes, or refused with a Chinese message.

How people write each field (template header, synonyms, example) is declared beside its type as an
:class:`Entry`. Each check is a plain function (the models call them from their validators), each
annotated type a ``str`` or ``bool`` with the check to run before pydantic's own. The checks against the reference data
(county, product, a county's own products) are remembered per value and data folder: a register of
100,000 enterprises names a dozen counties and a few dozen products.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Annotated, Any, get_args

from pydantic import BaseModel, BeforeValidator, ValidationInfo
from pydantic_core import PydanticCustomError
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as _SE

from . import vocab
from .catalogue import load_catalogue_with_county_products
from .checklists import load_problems
from .datafiles import data_dir
from .regions import load_regions

LICENCE_RE = re.compile(r"^(?:[（(][\u4e00-\u9fff][)）])?XK\d{2}-\d{3}-\d{5}$")
CCC_RE = re.compile(r"^\d{16}$")


@dataclass(frozen=True)
class Entry:
    """How a record's field is written by people: its template column (header when it differs from the
    field's title, the other headers real files use for it, an example, a note), and what the workbook
    reads from it besides (the self-check duty it answers). Declared once, on the model field, as
    ``Annotated`` metadata (pydantic keeps it in ``model_fields[name].metadata``); the template columns,
    the import's field maps, the filled templates, the duty list and the tests' values read it through
    :func:`entry_of` (:mod:`hazardlib.intake.columns`), the forms read the field's title.

    ``type`` and ``choices`` say what the cell holds when the field's type does not (a date, a yes/no
    and an integer are read from the annotation); ``required`` None means as the model declares it.
    ``parts`` are headers of columns that each hold part of the value (联系人, 联系电话): one of them
    alone is read as the column, several are joined in the file's order. ``on_template`` False: the
    import works the value out (an id, the campaign year), no template has a column for it.
    """

    header: str | None = None
    synonyms: tuple[str, ...] = ()
    example: object = None
    note: str = ""
    type: str | None = None
    choices: str | None = None
    width: int | None = None
    required: bool | None = None
    unless: str | None = None
    parts: tuple[str, ...] = ()
    duty: str | None = None
    on_template: bool = True


DERIVED = Entry(on_template=False)
"""The entry of a field the import works out (ids, the campaign year, a record's source)."""


def entry_of(model: type[BaseModel], name: str) -> Entry:
    """The :class:`Entry` declared on ``model``'s field ``name`` (an empty one if none is); when several
    are (a shared one, then what this field says besides), what a later one sets wins."""
    out = Entry()
    for m in model.model_fields[name].metadata:
        if isinstance(m, Entry):
            out = replace(out, **{f.name: v for f in fields(m) if (v := getattr(m, f.name)) != f.default})
    return out


def has_entry(model: type[BaseModel], name: str) -> bool:
    """Whether ``model``'s field ``name`` declares how it is written (see :class:`Entry`)."""
    return any(isinstance(m, Entry) for m in model.model_fields[name].metadata)


def examples(model: type[BaseModel]) -> dict[str, Any]:
    """Field → the example its entry declares, for every field of ``model`` that has one (the values a
    test or a workload fills a record with)."""
    return {n: e.example for n in model.model_fields if (e := entry_of(model, n)).example is not None}


def duties(model: type[BaseModel]) -> dict[str, str]:
    """Checklist item code → the field that answers it (the self-check's main-responsibility duties)."""
    return {e.duty: n for n in model.model_fields if (e := entry_of(model, n)).duty is not None}


def error(code: str, message: str, field: str | None = None) -> PydanticCustomError:
    """An error with a Chinese message; ``field`` names the field a whole-record rule is about."""
    return PydanticCustomError(code, message, {"field": field} if field else None)


def _vocab(v: vocab.Vocabulary) -> BeforeValidator:
    # A column of labels repeats a handful of spellings (企业类型 over 100,000 rows): each is looked up once.
    lookup = functools.lru_cache(maxsize=1024)(v.lookup)

    def check(value: Any) -> Any:
        if value is None or (isinstance(value, str) and not vocab.clean_text(value)):
            return None
        code = lookup(value) if type(value) is str else v.lookup(value)
        if code is None:
            raise error("vocabulary", f"“{value}”不是有效的{v.name}，应为：{v.choices_text()}")
        return code

    return BeforeValidator(check)


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return vocab.clean_line(value) or None
    return value


def _lines(value: Any) -> Any:
    if isinstance(value, str):
        return vocab.clean_lines(value) or None
    return value


def check_yes_no(value: Any) -> Any:
    """True or False for the usual ways of writing yes or no (None for a blank); raises otherwise."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and not value.strip():
        return None
    parsed = vocab.parse_yes_no(value)
    if parsed is None:
        raise error("yes_no", f"“{value}”应填写“是”或“否”")
    return parsed


Text = Annotated[str, BeforeValidator(_text)]
"""Text of one line (a name, an address, a code, a choice): full-width letters and digits half-width,
every run of white space, line breaks included, one space (:func:`hazardlib.vocab.clean_line`)."""
Lines = Annotated[str, BeforeValidator(_lines)]
"""Text of several lines (a note, a description, a reply): as :data:`Text` within each line, the line
breaks kept (:func:`hazardlib.vocab.clean_lines`), from a form's box and a spreadsheet cell alike."""


def _name(value: Any) -> Any:
    if isinstance(value, str):
        return vocab.clean_name(value) or None
    return value


Name = Annotated[str, BeforeValidator(_name)]
_CLEANERS = (_text, _lines, _name)


def cleans_text(model: type[BaseModel], name: str) -> bool:
    """Whether ``model``'s field ``name`` is of a type that cleans the text written into it (:data:`Text`,
    :data:`Lines`, :data:`Name`): a reader hands such a cell's text over as written, the model cleaning it."""
    info = model.model_fields[name]
    found = list(info.metadata)
    pending = [info.annotation]
    while pending:
        args = get_args(pending.pop())
        found.extend(args)
        pending.extend(args)
    return any(isinstance(m, BeforeValidator) and m.func in _CLEANERS for m in found)


YesNo = Annotated[bool, BeforeValidator(check_yes_no)]
Grade = Annotated[str, _vocab(vocab.GRADE)]
FieldOfWork = Annotated[str, _vocab(vocab.FIELD)]
EnterpriseField = Annotated[str, _vocab(vocab.ENTERPRISE_FIELD)]
FindingKind = Annotated[str, _vocab(vocab.FINDING_KIND)]
HazardSource = Annotated[str, _vocab(vocab.HAZARD_SOURCE)]

HAZARD_NUMBER = re.compile(r"^\D*?0*(\d+)$")
"""A 隐患编号 as people write it: its digits, perhaps after a mark (“#12”, “隐患编号 0012”)."""
_LIST_SEPARATORS = re.compile(r"[;；,，、\s]+")


def check_hazard_numbers(value: Any) -> Any:
    """The 隐患编号 a cell or box lists (separated by 、，； or spaces) as integers, each once, in the order
    written; raises for a part that is no number."""
    if value is None:
        return []
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, float) and value.is_integer():
        return [int(value)]
    if not isinstance(value, str):
        return value
    out: list[int] = []
    for part in _LIST_SEPARATORS.split(vocab.clean_text(value)):
        if not part:
            continue
        match = HAZARD_NUMBER.match(part)
        if match is None:
            raise error(
                "hazard_numbers", f"“{part}”不是有效的隐患编号（应为整改台账中的编号），多个编号用顿号分隔"
            )
        if int(match.group(1)) not in out:
            out.append(int(match.group(1)))
    return out


HazardNumbers = Annotated[list[int], BeforeValidator(check_hazard_numbers)]
HazardState = Annotated[str, _vocab(vocab.HAZARD_STATE)]
InstrumentKind = Annotated[str, _vocab(vocab.INSTRUMENT_KIND)]
Channel = Annotated[str, _vocab(vocab.CHANNEL)]
SpotResult = Annotated[str, _vocab(vocab.SPOT_RESULT)]
PartyRole = Annotated[str, _vocab(vocab.PARTY_ROLE)]
Violation = Annotated[str, _vocab(vocab.VIOLATION)]
Transfer = Annotated[str, _vocab(vocab.TRANSFER)]
HelpKind = Annotated[str, _vocab(vocab.HELP_KIND)]
SignalSource = Annotated[str, _vocab(vocab.SIGNAL_SOURCE)]
SignalState = Annotated[str, _vocab(vocab.SIGNAL_STATE)]
OversightKind = Annotated[str, _vocab(vocab.OVERSIGHT_KIND)]
InterviewTrigger = Annotated[str, _vocab(vocab.INTERVIEW_TRIGGER)]


def today_of(info: ValidationInfo) -> dt.date:
    ctx = info.context or {}
    today = ctx.get("today")
    return today if isinstance(today, dt.date) else dt.date.today()


def check_uscc(value: str) -> str:
    """The 统一社会信用代码, normalised; raises with a Chinese reason if it is not valid.

    A code already written in its compact form (18 upper-case letters and digits, the first 8 digits) is
    checked by python-stdnum's check digit alone: its ``validate`` compacts the code once more inside
    ``calc_check_digit``, and on a large register that second pass cost as much as the rest of the check
    (measured in docs/benchmarks.md, "Import: one path, cheaper checks"). Any other spelling, and any code whose check digit differs, goes through ``validate``,
    which normalises it or names the reason it is refused.
    """
    if (
        len(value) == 18
        and value.isascii()
        and value.isalnum()
        and value == value.upper()
        and value[:8].isdigit()
    ):
        try:
            if stdnum_uscc.calc_check_digit(value) == value[-1]:
                return value
        except ValueError:  # a letter the code's alphabet does not have: validate names the reason
            pass
    try:
        return str(stdnum_uscc.validate(value))
    except InvalidChecksum:
        raise error("uscc_checksum", f"统一社会信用代码“{value}”校验位错误") from None
    except InvalidLength:
        raise error("uscc_length", f"统一社会信用代码“{value}”应为18位") from None
    except (InvalidFormat, InvalidComponent):
        raise error("uscc_format", f"统一社会信用代码“{value}”格式不正确") from None
    except _SE:
        raise error("uscc_invalid", f"统一社会信用代码“{value}”无效") from None


def folder_of(info: ValidationInfo) -> Path:
    """The reference-data folder a validation reads: the one its caller put in the context as ``data_dir``
    (:func:`hazardlib.models.validate` and ``check_many`` read :func:`data_dir` once per call, not once per
    field checked), else :func:`data_dir`."""
    folder = (info.context or {}).get("data_dir")
    return folder if isinstance(folder, Path) else data_dir()


def check_county(value: str, folder: Path | None = None) -> str:
    """The county code a value names (code, name or short name); raises if it names no county. ``folder``:
    the reference data (default :func:`data_dir`)."""
    return _county(str(value), folder or data_dir())


@functools.lru_cache(maxsize=4096)
def _county(value: str, folder: Path) -> str:
    code = vocab.clean_text(value)
    regions = load_regions(folder)
    if regions.is_county(code):
        return code
    found = regions.find(code)
    if found is not None and regions.is_county(found.code):
        return found.code
    raise error("county", f"“{value}”不是黔南州所辖县（市）")


def check_sub_product(value: str, folder: Path | None = None) -> str:
    """The code of a key sub-product or of a product a county added for its own campaign."""
    return _sub_product(str(value), folder or data_dir())


@functools.lru_cache(maxsize=4096)
def _sub_product(value: str, folder: Path) -> str:
    code = vocab.clean_text(value)
    cat = load_catalogue_with_county_products(folder)
    if code in cat.sub_products:
        return code
    found = cat.find_sub_product(code)
    if found is None:
        raise error("sub_product", f"“{value}”不是重点产品目录中的产品")
    return found.code


def category_of(sub_product_code: str) -> str:
    """The category of a checked sub-product code (“01” for 01-01, “C01” for a 都匀市 addition C522701-01)."""
    return load_catalogue_with_county_products().sub_product(sub_product_code).category_code


def other_county_product(codes: list[str], county_code: str, folder: Path | None = None) -> str | None:
    """Why a product another county added for its own campaign cannot be used here (None if all fit)."""
    return _other_county_product(tuple(codes), county_code, folder or data_dir())


@functools.lru_cache(maxsize=4096)
def _other_county_product(codes: tuple[str, ...], county_code: str, folder: Path) -> str | None:
    cat, regions = load_catalogue_with_county_products(folder), load_regions(folder)
    for code in codes:
        owner = cat.sub_product(code).county_code
        if owner is not None and owner != county_code:
            return (
                f"“{cat.sub_product(code).name}”是{regions.name_of(owner)}自行增加的排查产品，"
                f"不适用于{regions.name_of(county_code)}"
            )
    return None


def check_own_county_products(
    codes: list[str], county_code: str, field: str, folder: Path | None = None
) -> None:
    """Refuse a product another county added for its own campaign (a county's additions are its own)."""
    if (message := other_county_product(codes, county_code, folder)) is not None:
        raise error("county_product", message, field)


def check_problem(value: str) -> str:
    text = vocab.clean_text(str(value))
    for p in load_problems():
        if text in (p.code, p.name):
            return p.code
    raise error("problem", f"“{value}”不是行动方案列出的重点问题")


County = Annotated[str, BeforeValidator(_text), BeforeValidator(lambda v: v)]


def check_licence(v: str | None) -> str | None:
    """A 生产许可证编号 in its written form (upper case, no spaces); raises if it is not one."""
    if v is None:
        return None
    v = v.upper().replace(" ", "")
    if not LICENCE_RE.match(v):
        raise error("licence", f"生产许可证编号“{v}”格式应为 XK××-×××-×××××（可带省份简称前缀，如（黔））")
    return v


def check_ccc(v: Any) -> list[str]:
    """The CCC certificate numbers of a cell (a list, or text separated by 、，；or spaces)."""
    items = _split_list(v)
    bad = [c for c in items if not CCC_RE.match(c)]
    if bad:
        raise error("ccc", f"CCC证书编号“{'、'.join(bad)}”应为16位数字")
    return items


def check_products(v: Any, folder: Path | None = None) -> list[str]:
    """The sub-product codes of a cell that lists products (codes or names)."""
    folder = folder or data_dir()
    if isinstance(v, str):  # the usual cell: remembered per text written
        return list(_products_of(v, folder))
    return [check_sub_product(p, folder) for p in _split_list(v)]


@functools.lru_cache(maxsize=4096)
def _products_of(text: str, folder: Path) -> tuple[str, ...]:
    codes: dict[str, None] = {}
    for part in _split_list(text):
        try:
            codes[check_sub_product(part, folder)] = None
        except PydanticCustomError:
            # a roster that lists 重点产品类别 names a category: it stands for the category's products
            category = _category(part, folder)
            if category is None:
                raise
            codes.update(dict.fromkeys(s.code for s in category.sub_products))
    return tuple(codes)


def _category(text: str, folder: Path) -> Any:
    """The key product category ``text`` names by code or name (None if it names none)."""
    cat = load_catalogue_with_county_products(folder)
    return next((c for c in cat.categories if text in (c.code, c.name)), None)


def _split_list(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        parts = re.split(r"[;；,，、\s]+", vocab.clean_text(v))
    elif isinstance(v, list | tuple | set | frozenset):
        parts = [vocab.clean_text(str(x)) for x in v]
    else:  # one number or date typed in the cell
        parts = [vocab.clean_text(str(v))]
    return [p for p in parts if p]
