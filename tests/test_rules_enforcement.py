"""严厉打击质量违法违规行为: transfer, the dishonesty list, forged marks, licence revocation."""

from __future__ import annotations

import datetime as dt

import pytest

from hazardlib.errors import ValidationFailed

from .situations import Situation, subjects

D = dt.date
AS_OF = D(2024, 9, 15)


@pytest.fixture
def s(store):
    return Situation(store)


def test_knowingly_selling_fakes_is_transferred_and_a_transfer_after_the_as_of_date_does_not_count(s):
    shop, done, other = (
        s.enterprise(field="seller"),
        s.enterprise(field="seller"),
        s.enterprise(field="seller"),
    )
    cid = s.case(shop, D(2024, 7, 1), "knowingly_selling_fakes", case_no="黔南市监罚〔2024〕1号")
    s.case(
        done, D(2024, 7, 1), "knowingly_selling_fakes", transferred_to="police", transfer_date=D(2024, 7, 10)
    )
    s.case(other, D(2024, 7, 1), "substandard")
    (f,) = s.findings("transfer_knowingly_selling_fakes", AS_OF)
    assert (f.enterprise_id, f.records, f.action) == (
        shop,
        {"enforcement_cases": (cid,)},
        "移送执法稽查或公安机关",
    )
    assert "黔南市监罚〔2024〕1号" in f.message
    assert subjects(s.findings("transfer_knowingly_selling_fakes", D(2024, 7, 9))) == {shop, done}


def test_unlicensed_production_counterfeiting_and_passing_off_are_candidates_for_the_dishonesty_list(s):
    unlicensed, counterfeit, passing_off, listed, substandard = (s.enterprise() for _ in range(5))
    s.case(unlicensed, D(2024, 7, 1), "unlicensed")
    s.case(counterfeit, D(2024, 7, 1), "counterfeit")
    s.case(passing_off, D(2024, 7, 1), "passing_off")
    s.case(
        listed,
        D(2024, 7, 1),
        "unlicensed",
        dishonesty_listed=True,
        dishonesty_date=D(2024, 8, 1),
        publicity_date=D(2024, 8, 3),
        publicity_ref="GZ-2024-0001",
    )
    s.case(substandard, D(2024, 7, 1), "substandard")
    assert subjects(s.findings("dishonesty_list_candidate", AS_OF)) == {unlicensed, counterfeit, passing_off}
    assert listed in subjects(
        s.findings("dishonesty_list_candidate", D(2024, 8, 2))
    )  # listed, not publicised


def test_a_listing_not_publicised_keeps_the_finding_and_a_decision_not_to_list_closes_it(s):
    unpublicised, decided = s.enterprise(), s.enterprise()
    s.case(unpublicised, D(2024, 7, 1), "counterfeit", dishonesty_listed=True, dishonesty_date=D(2024, 8, 1))
    decision = {
        "not_listed_by": "王局长",
        "not_listed_date": D(2024, 8, 5),
        "not_listed_reason": "首次违法且及时纠正",
    }
    s.case(decided, D(2024, 7, 1), "passing_off", **decision)
    assert subjects(s.findings("dishonesty_list_candidate", AS_OF)) == {unpublicised}
    assert subjects(s.findings("dishonesty_list_candidate", D(2024, 8, 4))) == {unpublicised, decided}


def test_a_decision_not_to_revoke_closes_the_revocation_review_and_is_refused_when_incomplete(s):
    decided, undecided = s.enterprise(licence_no="XK13-201-00003"), s.enterprise(licence_no="XK13-201-00004")
    decision = {
        "not_revoked_by": "李副局长",
        "not_revoked_date": D(2024, 8, 10),
        "not_revoked_reason": "未达撤证情形",
    }
    s.case(decided, D(2024, 7, 1), "beyond_scope", **decision)
    s.case(undecided, D(2024, 7, 1), "beyond_scope")
    assert subjects(s.findings("licence_revocation_review", AS_OF)) == {undecided}
    assert subjects(s.findings("licence_revocation_review", D(2024, 8, 9))) == {decided, undecided}
    with pytest.raises(ValidationFailed) as refused:
        s.case(
            undecided,
            D(2024, 7, 1),
            "beyond_scope",
            not_revoked_by="李副局长",
            not_revoked_date=D(2024, 8, 10),
        )
    assert refused.value.findings[0].field == "不撤销许可证的理由"


def test_forged_3c_marks_are_punished_until_a_penalty_is_recorded(s):
    forged, punished = s.enterprise(), s.enterprise()
    s.case(forged, D(2024, 7, 1), "mark_misuse")
    s.case(punished, D(2024, 7, 1), "mark_misuse", penalty="没收违法所得并处罚款")
    (f,) = s.findings("mark_misuse_case", AS_OF)
    assert f.enterprise_id == forged and "伪造、冒用3C认证标识" in f.message


def test_a_licence_holders_counterfeiting_calls_for_checking_whether_the_licence_must_be_revoked(s):
    holder = s.enterprise(licence_no="XK13-201-00001")
    no_licence, revoked = s.enterprise(), s.enterprise(licence_no="XK13-201-00002")
    s.case(holder, D(2024, 7, 1), "counterfeit")
    s.case(no_licence, D(2024, 7, 1), "counterfeit")
    s.case(revoked, D(2024, 7, 1), "passing_off", licence_revoked=True, revoked_date=D(2024, 8, 1))
    s.case(holder, D(2024, 7, 2), "substandard")
    (f,) = s.findings("licence_revocation_review", AS_OF)
    assert f.enterprise_id == holder and "XK13-201-00001" in f.message
    assert subjects(s.findings("licence_revocation_review", D(2024, 7, 31))) == {holder, revoked}


def test_a_case_filed_after_the_as_of_date_is_not_seen(s):
    s.case(s.enterprise(), D(2024, 9, 20), "unlicensed")
    assert s.findings("dishonesty_list_candidate", AS_OF) == []
