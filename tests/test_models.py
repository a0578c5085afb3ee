"""Domain models: what is accepted, what is refused, and that every finding names its field in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest

from hazardlib import fields, models, vocab
from hazardlib.errors import ValidationFailed

from .conftest import make_uscc

GOOD = make_uscc("522701", 1)


def enterprise(**over):
    data = {"uscc": GOOD, "name": "都匀市安泰燃气具有限公司", "county_code": "522701", "field": "生产单位"}
    return {**data, **over}


def test_enterprise_accepts_what_people_write():
    e = models.validate(
        models.Enterprise,
        enterprise(
            uscc=" " + GOOD.translate(str.maketrans("0123456789", "０１２３４５６７８９")) + " ",
            county_code="都匀市",
            field="产销",
            licence_no="(黔)XK16-205-00012",
            ccc_certificates="2020010201123456；2021010201123457",
            in_cluster_area="是",
        ),
    )
    assert (e.uscc, e.county_code, e.field) == (GOOD, "522701", "both")
    assert e.licence_no == "(黔)XK16-205-00012"
    assert e.ccc_certificates == ["2020010201123456", "2021010201123457"]
    assert e.in_cluster_area is True


def test_wrong_uscc_check_digit_is_refused_naming_the_field():
    bad = GOOD[:-1] + ("1" if GOOD[-1] != "1" else "2")
    with pytest.raises(ValidationFailed) as exc:
        models.validate(models.Enterprise, enterprise(uscc=bad))
    (finding,) = exc.value.findings
    assert finding.field == "统一社会信用代码"
    assert "校验位错误" in finding.message


def test_every_bad_field_is_reported_not_only_the_first():
    with pytest.raises(ValidationFailed) as exc:
        models.validate(
            models.Enterprise,
            enterprise(uscc="123", county_code="110101", field="工厂", licence_no="XK16-205"),
        )
    assert {f.field for f in exc.value.findings} == {
        "统一社会信用代码",
        "所属县（市）",
        "企业类型",
        "生产许可证编号",
    }
    messages = " ".join(f.message for f in exc.value.findings)
    assert "黔南州所辖县（市）" in messages and "XK××-×××-×××××" in messages


def test_a_batch_is_checked_as_each_record_alone():
    """check_many gives each item what check gives it alone: the valid ones their records, the others
    their own findings (a batch holding no bad item, and the same batch with two)."""
    good = [enterprise(uscc=make_uscc("522701", n), name=f"都匀市第{n}号企业") for n in range(1, 5)]
    assert [r for r, _ in models.check_many(models.Enterprise, good)] == [
        models.validate(models.Enterprise, data) for data in good
    ]
    batch = [*good[:2], enterprise(uscc="123", field="工厂"), good[2], enterprise(county_code="110101")]
    assert models.check_many(models.Enterprise, batch) == [models.check(models.Enterprise, d) for d in batch]
    assert [r is None for r, _ in models.check_many(models.Enterprise, batch)] == [
        False,
        False,
        True,
        False,
        True,
    ]


def hazard(**over):
    data = {
        "enterprise_id": 1,
        "campaign_year": 2024,
        "grade": "重大",
        "problem_code": "P01",
        "sub_product_code": "18-01",
        "found_date": dt.date(2024, 7, 1),
        "source": "现场检查",
    }
    return {**data, **over}


def test_hazard_dated_in_the_future_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        models.validate(models.Hazard, hazard(found_date=dt.date(2024, 9, 20)), today=dt.date(2024, 9, 15))
    assert [f.field for f in exc.value.findings] == ["发现日期"]
    assert "未来" in exc.value.findings[0].message


def test_deadline_before_the_order_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        models.validate(
            models.Hazard,
            hazard(ordered_date=dt.date(2024, 7, 2), deadline=dt.date(2024, 7, 1)),
            today=dt.date(2024, 9, 1),
        )
    assert "早于责令整改日期" in str(exc.value)


def test_hazard_grades_in_their_usual_variants():
    for written, code in [
        ("一般", "general"),
        ("较大隐患", "larger"),
        ("重大风险", "major"),
        ("major", "major"),
    ]:
        assert models.validate(models.Hazard, hazard(grade=written), today=dt.date(2024, 9, 1)).grade == code
    with pytest.raises(ValidationFailed, match="隐患等级"):
        models.validate(models.Hazard, hazard(grade="特别重大"), today=dt.date(2024, 9, 1))


def test_spot_check_must_name_who_was_sampled():
    data = {
        "batch_no": "QN2024-001",
        "sampled_by_county": "522701",
        "sample_date": "2024-07-01",
        "sub_product_code": "15-01",
        "channel": "网络销售",
        "result": "不合格",
    }
    with pytest.raises(ValidationFailed, match="受检的生产单位或销售单位"):
        models.validate(models.SpotCheck, data)
    ok = models.validate(
        models.SpotCheck, {**data, "producer": {"name": "某电动车厂", "region": "江苏省无锡市"}}
    )
    assert ok.row()["producer_region"] == "江苏省无锡市" and ok.row()["category_code"] == "15"


def test_self_check_reporting_a_major_risk_must_describe_it():
    data = {
        "enterprise_id": 1,
        "campaign_year": 2024,
        "check_date": "2024-05-20",
        "management_system": "是",
        "quality_director": "是",
        "quality_officer": "否",
        "daily_control": "是",
        "weekly_check": "是",
        "monthly_review": "否",
        "major_risk_reported": "是",
    }
    with pytest.raises(ValidationFailed, match="重大风险情况"):
        models.validate(models.SelfCheck, data)


def test_unknown_product_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        models.validate(models.Hazard, hazard(sub_product_code="不存在的产品"), today=dt.date(2024, 9, 1))
    assert exc.value.findings[0].field == "产品"


def test_free_text_keeps_chinese_punctuation_and_names_take_the_licence_brackets():
    assert (
        vocab.clean_text("  进货渠道多，存在（假冒）风险：ＡＢ１２　") == "进货渠道多，存在（假冒）风险：AB12"
    )
    assert vocab.clean_name(" 都匀 某某 (集团) 有限公司 ") == "都匀某某（集团）有限公司"
    assert vocab.GRADE.lookup("一般") == "general" and vocab.GRADE.lookup("重大问题") == "major"


E = dt.date(2024, 8, 1)
DECISION = {"not_listed_by": "局务会", "not_listed_reason": "初次违法且及时改正"}
REVOKE_DECISION = {"not_revoked_by": "局务会", "not_revoked_reason": "已整改到位"}
# (model, the record's other fields, the date that must not be earlier, the one it follows, the message when it
# is a day earlier): every pair a model declares with record_base.dates_in_order
DATE_ORDER = [
    (models.Instrument, {}, "served_date", "issue_date", "送达日期 2024-07-31 早于签发日期 2024-08-01"),
    (models.Instrument, {}, "reply_due", "issue_date", "回复期限 2024-07-31 早于签发日期 2024-08-01"),
    (models.Instrument, {}, "reply_date", "issue_date", "回复日期 2024-07-31 早于签发日期 2024-08-01"),
    (models.Interview, {}, "follow_up_date", "held_date", "跟踪复查日期 2024-07-31 早于约谈日期 2024-08-01"),
    (models.EnforcementCase, {}, "transfer_date", "filed_date", "移送日期 2024-07-31 早于立案日期 2024-08-01"),
    (models.EnforcementCase, {}, "dishonesty_date", "filed_date",
     "列入失信名单日期 2024-07-31 早于立案日期 2024-08-01"),
    (models.EnforcementCase, {}, "revoked_date", "filed_date", "撤销日期 2024-07-31 早于立案日期 2024-08-01"),
    (models.EnforcementCase, {}, "published_date", "filed_date", "曝光日期 2024-07-31 早于立案日期 2024-08-01"),
    (models.EnforcementCase, {}, "publicity_date", "filed_date", "公示日期 2024-07-31 早于立案日期 2024-08-01"),
    (models.EnforcementCase, DECISION, "not_listed_date", "filed_date",
     "决定日期 2024-07-31 早于立案日期 2024-08-01"),
    (models.EnforcementCase, REVOKE_DECISION, "not_revoked_date", "filed_date",
     "决定日期 2024-07-31 早于立案日期 2024-08-01"),
    (models.CountyOversight, {}, "due_date", "action_date", "书面回复期限 2024-07-31 早于督导日期 2024-08-01"),
    (models.Hazard, hazard(), "deadline", "ordered_date", "整改期限 2024-07-31 早于责令整改日期 2024-08-01"),
    (models.Hazard, hazard(found_date=E), "deadline", "found_date",
     "整改期限 2024-07-31 早于责令整改日期 2024-08-01"),  # no order date: from the finding
]  # fmt: skip


@pytest.mark.parametrize(("model", "data", "later", "earlier", "message"), DATE_ORDER)
def test_a_date_on_the_day_it_follows_is_taken_and_one_a_day_earlier_is_refused_beside_it(
    model, data, later, earlier, message
):
    """The situation and the one just short of it, for each declared pair: the same day is accepted; a day
    earlier is refused, word for word, beside the later date's field."""
    dates = {key for pair in DATE_ORDER for key in pair[2:4]}  # none but the pair's own in the record
    record = {k: v for k, v in fields.examples(model).items() if k not in dates}
    record = {"enterprise_id": 1, "campaign_year": 2024, **record, **data, earlier: E}
    record = {k: v for k, v in record.items() if k in model.model_fields}
    models.validate(model, {**record, later: E}, today=dt.date(2024, 12, 31))
    with pytest.raises(ValidationFailed) as exc:
        models.validate(model, {**record, later: E - dt.timedelta(days=1)}, today=dt.date(2024, 12, 31))
    assert [(f.field, f.message) for f in exc.value.findings] == [(model.model_fields[later].title, message)]
