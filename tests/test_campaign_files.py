"""A campaign year as data: ``hazard campaign new|check|list`` and the catalogue of each year."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from hazardlib.campaign import PROPOSAL_FACTORS, load_campaign, proposal_weights
from hazardlib.campaign_files import CampaignExists, check_campaign, new_campaign, new_campaign_text
from hazardlib.catalogue import catalogue_of, load_catalogue_with_county_products
from hazardlib.cli import main
from hazardlib.datafiles import ENV_VAR, data_dir
from hazardlib.errors import CampaignNotFound, ValidationFailed
from hazardlib.explore import product_overview
from hazardlib.intake.readers import LISTS_SHEET
from hazardlib.intake.templates import write_template

NEW_CATEGORY = "25,测试新增类别,25-01,测试新增产品,,GB 99999-2025,recalled,测试\n"
NEW_REGIME = "25-01,无,,,recalled,测试\n"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of data/ the test may add a campaign year to."""
    folder = tmp_path / "data"
    shutil.copytree(data_dir(), folder)
    monkeypatch.setenv(ENV_VAR, str(folder))
    return folder


def _errors(year: int) -> list[str]:
    return [str(f) for f in check_campaign(year) if f.severity == "error"]


def test_a_new_year_starts_from_last_years_calendar_moved_a_year(data: Path):
    path = new_campaign(2025, 2024)
    assert path == data / "campaigns" / "campaign-2025.toml"
    old, new = load_campaign(2024), load_campaign(2025)
    assert new.year == 2025 and new.title == old.title.replace("2024年", "2025年")
    assert [(s.no, s.name) for s in new.stages] == [(s.no, s.name) for s in old.stages]
    assert [s.start for s in new.stages] == [s.start.replace(year=2025) for s in old.stages]
    assert [d.day for d in new.deadlines] == [d.day.replace(year=2025) for d in old.deadlines]
    assert [d.items for d in new.deadlines] == [d.items for d in old.deadlines]
    assert dict(new.parameters) == dict(old.parameters) and new.categories == old.categories
    assert new.source == ""  # left for the section to fill, and said so:
    assert [(f.severity, f.field) for f in check_campaign(2025)] == [("warning", "source")]
    text = path.read_text(encoding="utf-8")
    assert "星期" not in text.split("[parameters]")[0]  # 2024's weekday remarks do not hold for 2025
    assert "hazard campaign check 2025" in text


def test_a_new_year_never_overwrites_and_needs_its_source_year(data: Path):
    path = new_campaign(2025, 2024)
    path.write_text(
        path.read_text(encoding="utf-8").replace('source = ""', 'source = "已修改"'), encoding="utf-8"
    )
    with pytest.raises(CampaignExists, match="已存在"):
        new_campaign(2025, 2024)
    assert 'source = "已修改"' in path.read_text(encoding="utf-8")
    with pytest.raises(CampaignNotFound):
        new_campaign(2026, 2019)


def test_29_february_moves_to_28_february():
    assert "2025-02-28" in new_campaign_text("a = 2024-02-29\n", 2024, 2025)


def test_check_names_file_line_and_field_of_each_problem(data: Path):
    path = new_campaign(2025, 2024)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("end = 2025-06-20", "end = 2025-05-01"), encoding="utf-8")
    [error] = _errors(2025)
    line = next(
        n for n, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "2025-05-11" in t
    )
    assert (
        "campaigns/campaign-2025.toml" in error and f"第{line}行" in error and "stages" in error
    )  # its start
    path.write_text(text, encoding="utf-8")
    assert _errors(2025) == []


def test_a_category_missing_from_products_csv_is_refused_with_its_line(data: Path):
    path = new_campaign(2025, 2024)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"24"]', '"24", "25"]'), encoding="utf-8")
    [error] = _errors(2025)
    assert "25" in error and "products.csv" in error and "catalogue.categories" in error and "第" in error


def test_a_year_adds_a_category_and_drops_one_while_earlier_years_keep_theirs(data: Path):
    with open(data / "products.csv", "a", encoding="utf-8") as f:
        f.write(NEW_CATEGORY)
    with open(data / "licence_regimes.csv", "a", encoding="utf-8") as f:
        f.write(NEW_REGIME)
    path = new_campaign(2025, 2024)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"23", "24"]', '"23", "25"]'), encoding="utf-8")
    assert _errors(2025) == []
    codes_2025 = [c.code for c in catalogue_of(2025).categories]
    assert "25" in codes_2025 and "24" not in codes_2025 and "25-01" in catalogue_of(2025).sub_products
    codes_2024 = [c.code for c in catalogue_of(2024).categories]
    assert "24" in codes_2024 and "25" not in codes_2024  # 2024 keeps 2024's catalogue
    named = load_catalogue_with_county_products()  # a stored record of any year is still named
    assert named.sub_product("25-01").name == "测试新增产品" and named.category("24")


def test_a_year_whose_holidays_are_unknown_is_told_which_file_to_add(data: Path):
    new_campaign(2027, 2024)
    warnings = [str(f) for f in check_campaign(2027) if f.field == "holidays"]
    assert len(warnings) == 1 and "data/holidays/2027.toml" in warnings[0]
    notice = 'year = 2027\nsource = "测试"\n[[holidays]]\nname = "元旦"\nfrom = 2027-01-01\nto = 2027-01-01\n'
    (data / "holidays" / "2027.toml").write_text(notice, encoding="utf-8")
    assert [f for f in check_campaign(2027) if f.field == "holidays"] == []


def test_the_command_line_makes_checks_and_lists_years(data: Path):
    runner = CliRunner()
    made = runner.invoke(main, ["campaign", "new", "2025", "--from", "2024"])
    assert made.exit_code == 0, made.output
    assert "campaign-2025.toml" in made.output and "未填写本年度工作方案" in made.output
    again = runner.invoke(main, ["campaign", "new", "2025", "--from", "2024"])
    assert again.exit_code == 1 and "已存在" in again.output
    listed = json.loads(runner.invoke(main, ["campaign", "list", "--format", "json"]).output)
    assert [r["year"] for r in listed] == [2023, 2024, 2025]
    assert listed[2]["start"] == "2025-05-11" and listed[2]["categories"] == 24 and listed[2]["errors"] == 0
    checked = runner.invoke(main, ["campaign", "check", "2025"])
    assert checked.exit_code == 0 and "提醒" in checked.output
    path = data / "campaigns" / "campaign-2025.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("finish = 2025-10-31", "finish = 2025-01-01"),
        encoding="utf-8",
    )
    broken = runner.invoke(main, ["campaign", "check", "2025", "--format", "json"])
    assert broken.exit_code == 1
    [error] = [f for f in json.loads(broken.output) if f["severity"] == "error"]
    assert error["field"] == "finish" and error["row"] and error["file"] == "campaigns/campaign-2025.toml"
    assert date.fromisoformat(error["value"]) == date(2025, 1, 1)


def test_a_years_templates_offer_that_years_key_products(data: Path, tmp_path: Path):
    with open(data / "products.csv", "a", encoding="utf-8") as f:
        f.write(NEW_CATEGORY)
    with open(data / "licence_regimes.csv", "a", encoding="utf-8") as f:
        f.write(NEW_REGIME)
    path = new_campaign(2025, 2024)
    path.write_text(path.read_text(encoding="utf-8").replace('"23", "24"]', '"23", "25"]'), encoding="utf-8")

    def offered(year: int) -> set[str]:
        book = load_workbook(write_template("inspections", tmp_path / f"t{year}.xlsx", year=year))
        return {str(c.value) for row in book[LISTS_SHEET].iter_rows() for c in row if c.value}

    in_2025, in_2024 = offered(2025), offered(2024)
    assert "25-01 测试新增产品" in in_2025 and not any(v.startswith("24-") for v in in_2025)
    assert "25-01 测试新增产品" not in in_2024 and any(v.startswith("24-") for v in in_2024)


def test_a_years_product_overview_lists_that_years_categories(data: Path, store):
    with open(data / "products.csv", "a", encoding="utf-8") as f:
        f.write(NEW_CATEGORY)
    with open(data / "licence_regimes.csv", "a", encoding="utf-8") as f:
        f.write(NEW_REGIME)
    path = new_campaign(2025, 2024)
    path.write_text(path.read_text(encoding="utf-8").replace('"23", "24"]', '"23", "25"]'), encoding="utf-8")
    assert list(product_overview(store, date(2025, 9, 1))["category_code"])[-2:] == ["23", "25"]
    assert list(product_overview(store, date(2024, 9, 1))["category_code"])[-2:] == ["23", "24"]


def test_the_ranking_weights_are_campaign_parameters_carried_to_the_new_year(data: Path):
    new_campaign(2025, 2024)
    weights = proposal_weights(load_campaign(2024))
    assert list(weights) == list(PROPOSAL_FACTORS) and all(w > 0 for w in weights.values())
    assert proposal_weights(load_campaign(2025)) == weights == proposal_weights(load_campaign(2023))


def _line(path: Path, start: str) -> int:
    return next(
        n for n, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if t.startswith(start)
    )


def test_check_names_the_line_of_an_unknown_negative_non_number_or_missing_weight(data: Path):
    path = new_campaign(2025, 2024)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("complaint = 2 ", 'complaint = "两" ')
        .replace("key_object = 1 ", "key_object = -1 ")
        .replace("not_self_checked = 2 ", "rumour = 1 "),  # a factor the ranking does not know, one missing
        encoding="utf-8",
    )
    errors = {f.field: f for f in check_campaign(2025) if f.severity == "error"}
    table = "parameters.proposal_weights"
    assert set(errors) == {f"{table}.{k}" for k in ("complaint", "key_object", "rumour", "not_self_checked")}
    assert errors[f"{table}.complaint"].row == _line(path, "complaint =") and "不小于 0 的整数" in str(
        errors[f"{table}.complaint"]
    )
    assert errors[f"{table}.key_object"].row == _line(path, "key_object =")
    assert errors[f"{table}.rumour"].row == _line(path, "rumour =") and "未知的计分因素“rumour”" in str(
        errors[f"{table}.rumour"]
    )
    missing = errors[f"{table}.not_self_checked"]
    assert missing.row == _line(path, f"[{table}]") and "缺少计分因素“not_self_checked”（未开展自查）" in str(
        missing
    )
    assert all("campaigns/campaign-2025.toml" in str(f) for f in errors.values())
    with pytest.raises(ValidationFailed, match="rumour"):  # the loader refuses the file: no weight is guessed
        load_campaign(2025)
    path.write_text(text, encoding="utf-8")
    assert _errors(2025) == []


def test_a_file_without_the_weights_table_is_told_to_add_it(data: Path):
    path = new_campaign(2025, 2024)
    text = path.read_text(encoding="utf-8")
    start, end = text.index("[parameters.proposal_weights]"), text.index("special_supervision = 6")
    path.write_text(text[:start] + text[end:].split("\n", 1)[1], encoding="utf-8")
    [error] = [f for f in check_campaign(2025) if f.severity == "error"]
    assert error.field == "parameters.proposal_weights" and error.row == _line(path, "[parameters]")
    assert "缺少第二阶段检查名单的计分表" in str(error)
    result = CliRunner().invoke(main, ["campaign", "check", "2025"])
    assert result.exit_code == 1 and "[parameters.proposal_weights]" in result.output


def test_a_carry_over_from_a_year_without_a_campaign_file_is_named_with_its_line(data: Path):
    path = new_campaign(2025, 2024)
    assert [f for f in check_campaign(2025) if f.field == "carried_over_from"] == []  # 2024 has its file
    text = path.read_text(encoding="utf-8").replace("carried_over_from = 2024", "carried_over_from = 2019")
    path.write_text(text, encoding="utf-8")
    [finding] = [f for f in check_campaign(2025) if f.field == "carried_over_from"]
    assert finding.severity == "warning" and "2019" in str(finding) and "没有行动文件" in str(finding)
    assert finding.file == "campaigns/campaign-2025.toml" and finding.row == _line(path, "carried_over_from")
    checked = CliRunner().invoke(main, ["campaign", "check", "2025"])
    assert checked.exit_code == 0 and "结转来源年度 2019 没有行动文件" in checked.output


def test_the_list_shows_the_year_each_campaign_carries_over_from(data: Path):
    new_campaign(2025, 2024)
    runner = CliRunner()
    listed = json.loads(runner.invoke(main, ["campaign", "list", "--format", "json"]).output)
    assert {r["year"]: r["carried_over_from"] for r in listed}[2025] == 2024
    lines = runner.invoke(main, ["campaign", "list"]).output.splitlines()
    assert "结转自 2024 年度" in next(line for line in lines if line.startswith("2025"))
    assert "—" in next(line for line in lines if line.startswith("2023"))
