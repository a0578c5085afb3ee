"""The 24 key product categories of the plan, their sub-products, standards and licence regimes over time."""

from __future__ import annotations

import csv
import functools
import itertools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType

from hazardlib.campaign import Campaign, available_years, load_campaign
from hazardlib.datafiles import resolve
from hazardlib.errors import Finding, HazardError, UnknownProduct, ValidationFailed
from hazardlib.regions import Regions, load_regions

REGIMES = ("生产许可证", "CCC", "无")
# 方案：对其他实施工业产品生产许可证管理、强制性产品认证管理，以及……实施强制性国家标准的重点工业产品开展隐患排查治理。
COUNTY_REGIMES = ("生产许可证", "CCC", "强制性国家标准")
CONFIDENCE_LABELS = {"verified": "已核实", "recalled": "凭记忆，待核实", "county": "县（市）局报送"}
FILE_REGIMES = "licence_regimes.csv"
_SUB_CODE = re.compile(r"(\d{2})-\d{2}")
_MANDATORY_STANDARD = re.compile(r"GB \d")
_QUOTES = str.maketrans("", "", "“”‘’\"'「」")


@dataclass(frozen=True)
class SubProduct:
    """A named product inside a category (or a county's own addition, with `county_code` set)."""

    code: str
    category_code: str
    name: str
    standard: str
    confidence: str
    note: str
    aliases: tuple[str, ...] = ()
    county_code: str | None = None


@dataclass(frozen=True)
class Category:
    """One of the plan's 24 key product categories (重点产品)."""

    code: str
    no: int
    name: str
    sub_products: tuple[SubProduct, ...]


@dataclass(frozen=True)
class RegimePeriod:
    """The licence regime of a sub-product between two dates (None = open-ended)."""

    regime: str
    effective_from: date | None
    effective_to: date | None
    confidence: str
    source_note: str

    def covers(self, day: date) -> bool:
        """Whether the period includes `day` (both ends inclusive)."""
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_to is None or day <= self.effective_to
        )


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Key products (方案“1.重点产品”) with their regimes; county additions when built for a campaign."""

    categories: tuple[Category, ...]
    sub_products: Mapping[str, SubProduct]
    regimes: Mapping[str, tuple[RegimePeriod, ...]] = field(repr=False)
    county_products: tuple[SubProduct, ...] = ()

    def category(self, code: str) -> Category:
        """The category with this code (“01”…“24”); raises UnknownProduct."""
        for category in self.categories:
            if category.code == code:
                return category
        raise UnknownProduct(code)

    def sub_product(self, code: str) -> SubProduct:
        """The sub-product with this code (“01-01”, “C522701-01”…); raises UnknownProduct."""
        try:
            return self.sub_products[code]
        except KeyError:
            raise UnknownProduct(code) from None

    def regimes_of(self, code: str) -> tuple[RegimePeriod, ...]:
        """Every regime period of a sub-product, oldest first; raises UnknownProduct."""
        self.sub_product(code)
        return self.regimes[code]

    def regime_on(self, sub_product_code: str, day: date) -> str:
        """生产许可证, CCC or 无 for the sub-product on that day; raises UnknownProduct."""
        for period in self.regimes_of(sub_product_code):
            if period.covers(day):
                return period.regime
        raise ValueError(f"产品“{sub_product_code}”没有适用于{day}的许可制度记录")

    def find_sub_product(self, text: str) -> SubProduct | None:
        """The sub-product a messy cell names: exact name or alias, else a unique substring match."""
        key = "".join(str(text).split()).translate(_QUOTES)
        if len(key) < 2 or any(c.name == key and len(c.sub_products) > 1 for c in self.categories):
            return None
        names = [(name, sub) for sub in self.sub_products.values() for name in (sub.name, *sub.aliases)]
        matchers = (
            lambda name: name == key,  # the exact name or an alias
            lambda name: name in key,  # a name inside a longer cell: 胶合板（E1级）
            lambda name: key in name,  # a cell inside a longer name: 乙炔
        )
        for matches in matchers:
            found = {sub.code: sub for name, sub in names if matches(name)}
            if len(found) == 1:
                return next(iter(found.values()))
            if found:
                return None
        return None

    def with_county_additions(self, campaign: Campaign, regions: Regions | None = None) -> Catalogue:
        """This catalogue plus the campaign's county-added products; raises ValidationFailed listing every problem."""
        regions = regions or load_regions()
        findings = _check_county_products(self, campaign, regions)
        if findings:
            raise ValidationFailed(findings)
        added = tuple(
            SubProduct(
                p.code,
                county_category(p.county_code),
                p.name,
                p.standard,
                "county",
                p.note,
                (),
                p.county_code,
            )
            for p in campaign.county_products
        )
        regimes = dict(self.regimes)
        for product, entry in zip(added, campaign.county_products, strict=True):
            regime = "无" if entry.regime == "强制性国家标准" else entry.regime
            regimes[product.code] = (
                RegimePeriod(regime, None, None, "county", f"{entry.regime}（县局自选）"),
            )
        return replace(
            self,
            sub_products=MappingProxyType({**self.sub_products, **{p.code: p for p in added}}),
            regimes=MappingProxyType(regimes),
            county_products=self.county_products + added,
        )


def _check_county_products(catalogue: Catalogue, campaign: Campaign, regions: Regions) -> list[Finding]:
    """Findings for county additions that break the plan's rule on which products a county may add."""
    findings: list[Finding] = []
    file = f"campaign-{campaign.year}.toml"
    seen: set[str] = set()
    for row, p in enumerate(campaign.county_products, start=1):

        def bad(name: str, message: str, value: object, row: int = row) -> None:
            findings.append(Finding("county_product", message, name, value, row, "county_products", file))

        if not regions.is_county(p.county_code):
            bad("county_code", "不是黔南州所辖县（市）的行政区划代码", p.county_code)
        if not re.fullmatch(rf"C{re.escape(p.county_code)}-\d{{2}}", p.code):
            bad("code", f"产品代码应为“C{p.county_code}-01”这样的格式", p.code)
        elif p.code in seen or p.code in catalogue.sub_products:
            bad("code", "产品代码重复", p.code)
        seen.add(p.code)
        if not p.name.strip():
            bad("name", "产品名称不能为空", p.name)
        elif (same := catalogue.find_sub_product(p.name)) is not None and p.name in (
            same.name,
            *same.aliases,
        ):
            bad("name", f"已是重点产品（{same.code}），无需重复增加", p.name)
        if p.regime not in COUNTY_REGIMES:
            bad(
                "regime",
                "县（市）局增加的产品须实施生产许可证、强制性产品认证（CCC）或强制性国家标准",
                p.regime,
            )
        elif p.regime == "强制性国家标准" and not _MANDATORY_STANDARD.match(p.standard.strip()):
            bad("standard", "须填写强制性国家标准编号（以“GB ”开头，推荐性标准 GB/T 不算）", p.standard)
    return findings


def load_catalogue(data_dir: str | os.PathLike[str] | None = None) -> Catalogue:
    """The catalogue from `products.csv` and `licence_regimes.csv` (cached per folder); raises ValidationFailed."""
    return _load(resolve(data_dir))


def county_category(county_code: str) -> str:
    """The category code of a county's own products: ``C`` and the county code's last two digits (C01 for
    522701), short enough for the store's four-character category column."""
    return f"C{county_code[-2:]}"


def load_catalogue_with_county_products(data_dir: str | os.PathLike[str] | None = None) -> Catalogue:
    """The catalogue plus the products every campaign file lets a county add (what records may name).

    A product a county keeps from one year's file to the next is added once; raises ValidationFailed
    for an addition that breaks the plan's rule (see `Catalogue.with_county_additions`)."""
    return _with_county_products(resolve(data_dir))


@functools.lru_cache(maxsize=4096)
def product_name(code: str | None) -> str:
    """The Chinese name of a sub-product (its code when the catalogue does not know it)."""
    if not code:
        return "未注明产品"
    try:
        return load_catalogue_with_county_products().sub_product(code).name
    except HazardError:
        return code


def catalogue_of(year: int, data_dir: str | os.PathLike[str] | None = None) -> Catalogue:
    """The catalogue of one campaign year: the categories its calendar file lists under ``[catalogue]``
    (every category of products.csv when it lists none) and that year's county additions.

    What a template, a form or an import of that year offers and accepts; records already stored are
    named through :func:`load_catalogue_with_county_products`, so a category dropped later keeps its name
    on the years that had it. Raises CampaignNotFound, or ValidationFailed for a category code that
    products.csv lacks."""
    return _of_year(int(year), resolve(data_dir))


@functools.lru_cache(maxsize=16)
def _of_year(year: int, folder: Path) -> Catalogue:
    return catalogue_for(load_campaign(year, folder), folder)


def catalogue_for(campaign: Campaign, data_dir: str | os.PathLike[str] | None = None) -> Catalogue:
    """The catalogue a campaign's ``[catalogue]`` lists (see :func:`catalogue_of`), built afresh."""
    folder = resolve(data_dir)
    everything = _load(folder)
    year = campaign.year
    known = {c.code for c in everything.categories}
    unknown = [code for code in campaign.categories if code not in known]
    if unknown:
        raise ValidationFailed(
            Finding(
                "campaign",
                f"重点产品类别“{code}”不在 products.csv 中（新增类别须先在 products.csv 中登记）",
                field="catalogue.categories",
                value=code,
                file=f"campaigns/campaign-{year}.toml",
            )
            for code in unknown
        )
    keep = set(campaign.categories) or known
    categories = tuple(c for c in everything.categories if c.code in keep)
    subs = {s.code: s for c in categories for s in c.sub_products}
    catalogue = Catalogue(
        categories,
        MappingProxyType(subs),
        MappingProxyType({code: everything.regimes[code] for code in subs}),
    )
    if campaign.county_products:
        catalogue = catalogue.with_county_additions(campaign, load_regions(folder))
    return catalogue


@functools.lru_cache(maxsize=8)
def _with_county_products(folder: Path) -> Catalogue:
    catalogue = _load(folder)
    for year in available_years(folder):
        campaign = load_campaign(year, folder)
        new = tuple(
            p
            for p in campaign.county_products
            if p.code not in catalogue.sub_products or catalogue.sub_products[p.code].name != p.name
        )
        if new:
            catalogue = catalogue.with_county_additions(
                replace(campaign, county_products=new), load_regions(folder)
            )
    return catalogue


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


@functools.lru_cache(maxsize=8)
def _load(folder: Path) -> Catalogue:
    findings: list[Finding] = []
    groups: dict[str, list[SubProduct]] = {}
    names: dict[str, str] = {}
    for row, r in enumerate(_rows(folder / "products.csv"), start=2):
        match = _SUB_CODE.fullmatch(r["sub_product_code"])
        if not match or match.group(1) != r["category_code"]:
            findings.append(
                Finding(
                    "products",
                    "产品代码格式错误",
                    "sub_product_code",
                    r["sub_product_code"],
                    row,
                    file="products.csv",
                )
            )
            continue
        aliases = tuple(a.strip() for a in r["aliases"].split("；") if a.strip())
        sub = SubProduct(
            r["sub_product_code"],
            r["category_code"],
            r["sub_product"],
            r["mandatory_standard"],
            r["confidence"],
            r["note"],
            aliases,
        )
        groups.setdefault(r["category_code"], []).append(sub)
        names[r["category_code"]] = r["category"]
    categories = tuple(Category(code, int(code), names[code], tuple(subs)) for code, subs in groups.items())
    subs = {s.code: s for c in categories for s in c.sub_products}
    periods: dict[str, list[RegimePeriod]] = {}
    for row, r in enumerate(_rows(folder / "licence_regimes.csv"), start=2):
        if r["sub_product_code"] not in subs:
            findings.append(
                Finding(
                    "regimes",
                    "产品代码不在目录中",
                    "sub_product_code",
                    r["sub_product_code"],
                    row,
                    file=FILE_REGIMES,
                )
            )
        elif r["regime"] not in REGIMES:
            findings.append(
                Finding(
                    "regimes",
                    "许可制度应为 生产许可证、CCC 或 无",
                    "regime",
                    r["regime"],
                    row,
                    file=FILE_REGIMES,
                )
            )
        else:
            period = RegimePeriod(
                r["regime"],
                _day(r["effective_from"]),
                _day(r["effective_to"]),
                r["confidence"],
                r["source_note"],
            )
            periods.setdefault(r["sub_product_code"], []).append(period)
    regimes = {
        code: tuple(sorted(periods.get(code, []), key=lambda p: p.effective_from or date.min))
        for code in subs
    }
    findings += [
        Finding(
            "regimes",
            "许可制度记录不连续或未覆盖全部日期",
            "sub_product_code",
            code,
            file=FILE_REGIMES,
        )
        for code, ps in regimes.items()
        if not _contiguous(ps)
    ]
    if findings:
        raise ValidationFailed(findings)
    return Catalogue(categories, MappingProxyType(subs), MappingProxyType(regimes))


def _contiguous(periods: tuple[RegimePeriod, ...]) -> bool:
    """Whether the periods cover every day exactly once: open start, no gaps or overlaps, open end."""
    if not periods or periods[0].effective_from is not None or periods[-1].effective_to is not None:
        return False
    for a, b in itertools.pairwise(periods):
        if (
            a.effective_to is None
            or b.effective_from is None
            or (b.effective_from - a.effective_to).days != 1
        ):
            return False
    return True
