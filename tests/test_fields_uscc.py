"""The credit-code check gives python-stdnum's answer for every spelling: the compact form is checked by its
check digit alone, every other spelling (and every refusal) by its ``validate``."""

from __future__ import annotations

import pytest
from pydantic_core import PydanticCustomError
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from hazardlib.fields import check_uscc

BODY = "91522701MA6DLY7H2"
VALID = BODY + stdnum_uscc.calc_check_digit(BODY)
DIGITS = "91522701000000019M"  # no letter before the check digit: str.isupper() is False for it
WRONG_DIGIT = VALID[:-1] + ("0" if VALID[-1] != "0" else "1")
CODES = {
    InvalidChecksum: "uscc_checksum",
    InvalidLength: "uscc_length",
    InvalidFormat: "uscc_format",
    InvalidComponent: "uscc_format",
}


@pytest.mark.parametrize(
    "written",
    [
        VALID,
        DIGITS,
        VALID.lower(),  # normalised by validate
        f" {VALID} ",
        f"{VALID[:8]}-{VALID[8:]}",
        WRONG_DIGIT,  # compact, wrong check digit
        DIGITS.lower(),
        "9152270IMA6DLY7H2X",  # I is not in the code's alphabet (after the first 8)
        "915227O1MA6DLY7H2X",  # a letter among the first 8 digits
        VALID[:-1] + "I",
        VALID + "0",
        VALID[:10],
        "",
    ],
)
def test_check_uscc_answers_as_stdnum(written: str) -> None:
    try:
        expected: str | type[StdnumError] = stdnum_uscc.validate(written)
    except StdnumError as exc:
        expected = type(exc)
    if isinstance(expected, str):
        assert check_uscc(written) == expected
        return
    with pytest.raises(PydanticCustomError) as refused:
        check_uscc(written)
    assert refused.value.type == CODES.get(expected, "uscc_invalid")
    assert f"统一社会信用代码“{written}”" in str(refused.value)
