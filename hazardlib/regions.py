"""The prefecture (黔南州) and its 12 counties (县、市), from `data/counties.csv`."""

from __future__ import annotations

import csv
import functools
import os
from dataclasses import dataclass
from pathlib import Path

from hazardlib.datafiles import resolve
from hazardlib.errors import UnknownCounty

PREFECTURE_KIND = "自治州"


@dataclass(frozen=True)
class County:
    """A county-level division (or the prefecture itself); `kind` is 县、县级市、自治县 or 自治州."""

    code: str
    name: str
    kind: str
    short_name: str = ""


@dataclass(frozen=True)
class Regions:
    """The prefecture and its counties in code order."""

    prefecture: County
    counties: tuple[County, ...]

    def county(self, code: str) -> County:
        """The county with this code; raises UnknownCounty (also for the prefecture's own code)."""
        for county in self.counties:
            if county.code == str(code).strip():
                return county
        raise UnknownCounty(str(code))

    def is_county(self, code: str) -> bool:
        """True when the code is one of the 12 counties (not the prefecture)."""
        return any(c.code == str(code).strip() for c in self.counties)

    def name_of(self, code: str) -> str:
        """The full name of a county or of the prefecture; raises UnknownCounty otherwise."""
        if str(code).strip() == self.prefecture.code:
            return self.prefecture.name
        return self.county(code).name

    def find(self, text: str) -> County | None:
        """The county (or prefecture) a messy cell means: a code, a full or short name, or a text naming one."""
        key = _normalise(text)
        if not key:
            return None
        everyone = (*self.counties, self.prefecture)
        for region in everyone:
            if key in (region.code, region.name, region.short_name):
                return region
        named = [c for c in self.counties if c.name in key or (c.short_name and c.short_name in key)]
        if len(named) == 1:
            return named[0]
        if not named and (self.prefecture.name in key or self.prefecture.short_name in key):
            return self.prefecture
        return None


def _normalise(text: str) -> str:
    """Spaces removed; a 9- or 12-digit statistical code cut to its 6-digit county code."""
    key = "".join(str(text).split())
    if key.isdigit() and len(key) in (9, 12) and set(key[6:]) == {"0"}:
        return key[:6]
    return key


@functools.lru_cache(maxsize=8)
def _load(folder: Path) -> Regions:
    with open(folder / "counties.csv", encoding="utf-8", newline="") as handle:
        rows = [County(r["code"], r["name"], r["kind"], r["short_name"]) for r in csv.DictReader(handle)]
    prefecture = next(r for r in rows if r.kind == PREFECTURE_KIND)
    counties = tuple(sorted((r for r in rows if r is not prefecture), key=lambda c: c.code))
    return Regions(prefecture, counties)


def load_regions(data_dir: str | os.PathLike[str] | None = None) -> Regions:
    """The prefecture and counties from `counties.csv` (cached per folder)."""
    return _load(resolve(data_dir))
