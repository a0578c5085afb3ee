"""Identifiers the demo makes up: 统一社会信用代码 with both check characters, licence and certificate
numbers, and the running numbers of documents, batches and cases."""

from __future__ import annotations

import random
from collections import defaultdict

from stdnum.cn import uscc as stdnum_uscc

# Digits and capital letters a 统一社会信用代码 may hold (GB 32100: no I, O, Z, S, V).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Illustrative licence-number classes (XK + 2 digits - 3 digits) per product category; not official.
LICENCE_CLASSES = {
    "01": (13, 14), "02": (17, 2), "03": (8, 1), "04": (6, 1), "05": (5, 3), "06": (5, 4), "07": (16, 1),
    "08": (23, 1), "09": (6, 7), "13": (13, 8), "18": (21, 3),
}  # fmt: skip
# Illustrative 4-digit product parts of CCC certificate numbers per category; not official.
CCC_PRODUCTS = {"09": 2315, "10": 1814, "15": 1133, "16": 1134, "17": 1135, "18": 2112, "21": 705, "22": 2202}


def org_code_check(body: str) -> str:
    """The check character of a 9-character organisation code (GB 11714) for its first 8 characters.

    Letters count 10 for A up to 35 for Z; the check is 11 − (Σ value × weight mod 11), written X for
    10 and 0 for 11. python-stdnum's ``cn.uscc`` checks only the 18th character, so this one is ours.
    """
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: random.Random, region_code: str, individual: bool = False) -> str:
    """A valid 统一社会信用代码 registered in ``region_code``.

    9 (registered with market regulation), then 1 for an enterprise or 2 for an individual business
    (个体工商户), the 6-digit region, the organisation code (new-style “MA…” or digits, with its GB 11714
    check character) and the GB 32100 check character.
    """
    if rng.random() < 0.6:
        body = "MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
    else:
        body = "".join(rng.choice("0123456789") for _ in range(8))
    base = f"9{2 if individual else 1}{region_code}{body}{org_code_check(body)}"
    return base + stdnum_uscc.calc_check_digit(base)


def licence_no(rng: random.Random, category: str) -> str:
    """A production licence number XK××-×××-×××××, a third of them issued by the province: (黔)XK…."""
    cls, sub = LICENCE_CLASSES.get(category, (99, 1))
    number = f"XK{cls:02d}-{sub:03d}-{rng.randint(1, 99999):05d}"
    return f"(黔){number}" if rng.random() < 0.35 else number


def ccc_certificate(rng: random.Random, category: str, year: int) -> str:
    """A 16-digit CCC certificate number: year issued, certification body, product, serial."""
    body = rng.choice((1, 10, 11, 15))
    product = CCC_PRODUCTS.get(category, 1100 + int(category))
    return f"{year}{body:02d}{product:04d}{rng.randint(1, 999999):06d}"


class Numbers:
    """Running numbers of documents per kind, county and year (文号、抽样单编号、案件编号、线索编号)."""

    def __init__(self) -> None:
        self._next: dict[tuple[str, str, int], int] = defaultdict(int)

    def next(self, kind: str, county: str, year: int) -> int:
        self._next[(kind, county, year)] += 1
        return self._next[(kind, county, year)]

    def batch_no(self, county: str, year: int) -> str:
        """A spot-check sampling-form number (抽样单编号), unique per county and year."""
        return f"SJ{year % 100:02d}{county}{self.next('batch', county, year):06d}"
