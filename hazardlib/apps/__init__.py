"""The ipywidgets apps behind the Voilà dashboards, one module per dashboard.

A dashboard notebook only does ``from hazardlib.apps import XApp``, shows ``page = XApp.opening()`` (the page's
first paint, see :class:`hazardlib.apps.base.Opening`) and then ``page.app.widget``; everything else (queries, checks, saving) lives here and in the rest of :mod:`hazardlib`, where unit
tests reach it without a browser.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Dashboard:
    """One dashboard: its notebook, Chinese title, what it is for, and the app class behind it."""

    notebook: str
    title: str
    purpose: str
    app: str
    module: str


DASHBOARDS: tuple[Dashboard, ...] = (
    Dashboard(
        "selfcheck.ipynb",
        "企业自查填报",
        "查找或登记企业，填报主体责任自查、风险管控清单，报告重大风险。",
        "SelfCheckApp",
        "selfcheck",
    ),
    Dashboard(
        "inspection.ipynb",
        "现场检查与隐患登记",
        "按生产或流通领域检查表登记现场检查，不合格项登记为隐患；签发“三书一函”。",
        "InspectionApp",
        "inspection",
    ),
    Dashboard(
        "ledger.ipynb",
        "整改台账",
        "按县（市）、产品类别、等级、状态、是否超期查找隐患，查看整改经过，登记下一步整改。",
        "LedgerApp",
        "ledger_page",
    ),
    Dashboard(
        "tracker.ipynb",
        "三阶段进度",
        "5月至10月三个阶段的进度、报送期限、各县（市）进展和滞后提示；州局签收即时报告。",
        "TrackerApp",
        "tracker",
    ),
    Dashboard(
        "submissions.ipynb",
        "报送与审核",
        "县（市）局按期限报送成果清单、工作总结、典型案例和盖章封面；州局退回或审核通过，下载材料包和全州汇总。",
        "SubmissionApp",
        "submission_desk",
    ),
    Dashboard(
        "spotchecks.ipynb",
        "抽查与处置",
        "监督抽查、双向追查任务、跟踪抽查、风险信息核查、执法办案和质量帮扶。",
        "SpotCheckApp",
        "spotchecks",
    ),
    Dashboard(
        "exports.ipynb",
        "报表导出",
        "选择县（市）和日期，下载行动成果清单、台账和文稿；上传填好的模板导入数据。",
        "ExportApp",
        "exports",
    ),
)

_CLASSES = {d.app: d.module for d in DASHBOARDS} | {"LandingApp": "landing", "App": "base"}

__all__ = ["DASHBOARDS", "Dashboard", *sorted(_CLASSES)]


def __getattr__(name: str) -> Any:
    # Apps are imported on first use so that one dashboard does not load every other one.
    module = _CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
