"""Chinese labels for the codes reports show (county, product, problem and the closed vocabularies),
applied to whole columns at once."""

from __future__ import annotations

import functools

import pandas as pd

from .. import vocab
from ..catalogue import load_catalogue_with_county_products
from ..checklists import load_problems
from ..regions import load_regions
from ..store import PREFECTURE_CODE

OUTSIDE = "州外或待转办"


@functools.cache
def _county_names() -> dict[str, str]:
    regions = load_regions()
    return {PREFECTURE_CODE: regions.prefecture.name, **{c.code: c.name for c in regions.counties}}


@functools.cache
def _products() -> tuple[dict[str, str], dict[str, str]]:
    cat = load_catalogue_with_county_products()
    return {c.code: c.name for c in cat.categories}, {k: s.name for k, s in cat.sub_products.items()}


@functools.cache
def _problems() -> dict[str, str]:
    return {p.code: p.name for p in load_problems()}


def _mapped(series: pd.Series, names: dict[str, str]) -> pd.Series:
    """``series`` mapped through ``names``; an unknown code shows as itself, a missing one as ''."""
    return series.map(names).fillna(series).fillna("").astype(object)


def county(series: pd.Series) -> pd.Series:
    return _mapped(series, _county_names())


def category(series: pd.Series) -> pd.Series:
    return _mapped(series, _products()[0])


def sub_product(series: pd.Series) -> pd.Series:
    return _mapped(series, _products()[1])


def problem(series: pd.Series) -> pd.Series:
    return _mapped(series, _problems())


def vocabulary(series: pd.Series, words: vocab.Vocabulary) -> pd.Series:
    return _mapped(series, words.labels)


def yes_no(series: pd.Series) -> pd.Series:
    return series.map(vocab.YES_NO_LABELS).fillna("").astype(object)


def bureau(code: str) -> str:
    """The reporting unit's name: 都匀市市场监督管理局, or 黔南州市场监督管理局 for the prefecture."""
    regions = load_regions()
    if code == PREFECTURE_CODE:
        return f"{regions.prefecture.short_name}州市场监督管理局"
    return f"{regions.name_of(code)}市场监督管理局"
