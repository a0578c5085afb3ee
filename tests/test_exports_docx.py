"""The Word drafts of the stage summary and the work summary open with python-docx and hold the
county's figures, its stages, problems and typical cases, marked as a draft."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import docx
import pytest

from hazardlib.exports import export
from hazardlib.store import Store
from tests.test_reports_results_list import AS_OF, A, hand_built


@pytest.fixture
def campaign_store(store: Store, engine_name: str, tmp_path: Path) -> Store:
    return hand_built(store, engine_name, tmp_path)


def text_of(path: Path) -> tuple[str, list[list[list[str]]]]:
    document = docx.Document(str(path))
    body = "\n".join(p.text for p in document.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    return body, tables


def test_the_stage_summary_draft_holds_the_county_figures(campaign_store: Store, tmp_path: Path) -> None:
    path = export("stage-summary", campaign_store, AS_OF, A, "docx", tmp_path / "阶段性工作总结.docx")
    body, tables = text_of(path)
    assert "都匀市2024年重点工业产品质量安全隐患排查治理行动阶段性工作总结" in body
    assert "【草稿】" in body and "加盖公章" in body and "2024年8月20日前" in body
    assert "都匀市市场监督管理局（盖章）" in body
    figures = {row[1]: row[2] for row in tables[0][1:]}
    assert figures["发现隐患（项）"] == "5" and figures["整改率（%）"] == "20.0%"
    assert figures["不合格发现率（%）"] == "66.7%" and figures["约谈企业（家）"] == "1"
    assert "第一阶段：部署、自查自纠（5月11日—6月20日，已结束）" in body
    assert "第三阶段：隐患治理、质量帮扶（9月1日—10月31日，未开始）" in body
    problems = tables[1]
    assert problems[0][:2] == ["产品类别", "领域"] and {r[1] for r in problems[1:]} == {
        "生产领域",
        "流通领域",
    }
    assert "（一）测试A2有限公司知假售假案" in body and "销售不合格电动自行车" in body
    assert "五、存在的困难和问题" in body and "（请填写）" in body


def test_the_work_summary_draft_for_the_prefecture(campaign_store: Store, tmp_path: Path) -> None:
    october = dt.date(2024, 10, 20)
    path = export("work-summary", campaign_store, october, None, "docx", tmp_path / "工作总结.docx")
    body, tables = text_of(path)
    assert "黔南布依族苗族自治州2024年重点工业产品质量安全隐患排查治理行动工作总结" in body
    assert "贵州省市场监督管理局：" in body and "黔南州市场监督管理局（盖章）" in body
    figures = {row[1]: row[2] for row in tables[0][1:]}
    data = json.loads(
        export("work-summary", campaign_store, october, None, "json", tmp_path / "工作总结.json").read_text()
    )
    assert figures["发现隐患（项）"] == str(data["figures"]["hazards_found"]) == "10"
    assert f"尚未完成整改销号的隐患{data['unrectified_hazards']}项" in body
