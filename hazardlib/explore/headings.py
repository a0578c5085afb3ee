"""Chinese column headings for the tables the notebooks show.

Code keeps the English column keys (stable, typed once, the same as in JSON exports); :func:`zh` only
renames the columns of a copy for display. Figures of the results list take their form headers
(``发现隐患（项）``), so a notebook table reads like the Excel form.
"""

from __future__ import annotations

import functools

import pandas as pd

from ..reports.definitions import ANY_KEY

COLUMN_LABELS: dict[str, str] = {
    # who and where
    "county_code": "行政区划代码",
    "county_name": "县（市）",
    "enterprise_id": "企业编号",
    "enterprise": "企业名称",
    "enterprise_name": "企业名称",
    "uscc": "统一社会信用代码",
    "subject": "对象",
    # products and problems
    "category_code": "类别代码",
    "category_name": "产品类别",
    "sub_product_code": "产品代码",
    "sub_product_name": "产品",
    "field": "领域代码",
    "field_name": "领域",
    "problem_code": "问题代码",
    "problem_name": "问题类型",
    "grade": "等级代码",
    "grade_name": "等级",
    "grade_label": "等级",
    "source": "来源代码",
    "source_name": "发现来源",
    "channel": "抽样环节代码",
    "channel_name": "抽样环节",
    "key": "重点问题",
    # hazard counts
    "hazards": "隐患（项）",
    "general": "一般（项）",
    "larger": "较大（项）",
    "major": "重大（项）",
    "closed": "已销号（项）",
    "open": "未销号（项）",
    "overdue": "逾期（项）",
    "closure_rate": "整改率（%）",
    "share": "占比（%）",
    "share_in_field": "占本领域（%）",
    "cumulative_share": "累计占比（%）",
    # spot checks
    "batches": "抽查（批次）",
    "unqualified": "不合格（批次）",
    "refused": "拒检（批次）",
    "qualified": "合格（批次）",
    "unqualified_rate": "不合格发现率（%）",
    "last_sample_date": "最近抽样日期",
    "open_major_hazards": "未销号重大隐患（项）",
    "interviewed": "已约谈",
    "to_interview": "须约谈",
    # enterprises
    "occasions": "出现问题（次）",
    "campaigns": "涉及年度（个）",
    "first_date": "首次",
    "last_date": "最近",
    "open_hazards": "未销号隐患（项）",
    "supervision": "分类监管",
    "quality_clinic": "质量问诊（次）",
    "quality_analysis": "质量分析（次）",
    "training": "质量培训（次）",
    "guidance_letter": "整改指导意见书（份）",
    "last_help_date": "最近帮扶日期",
    "helped": "已帮扶",
    "letter_due": "待帮扶",
    "reasons": "原因",
    # close-out
    "day": "日期",
    "found": "发现（项）",
    "close_out_rate": "销号率（%）",
    "pace_from": "进度起算日",
    "pace_days": "进度天数",
    "closed_per_week": "每周销号（项）",
    "found_per_week": "每周新发现（项）",
    "days_left": "剩余天数",
    "projected_rate": "预计完成时销号率（%）",
    "target": "应达到（%）",
    "needed_per_week": "达标须每周销号（项）",
    "on_course": "能否按期完成",
    "clear_date": "预计全部销号日期",
    "verdict": "判断",
    # progress and comparison (hazardlib.stages, hazardlib.reports.county_comparison)
    "key_enterprises": "重点企业（家）",
    "self_checked": "已自查重点企业（家）",
    "self_checks_in_window": "期间自查（份）",
    "inspections_production": "检查生产领域（次）",
    "inspections_circulation": "检查流通领域（次）",
    "inspections": "现场检查（次）",
    "self_check_coverage": "自查覆盖率",
    "plan_adopted": "已制定工作方案",
    "hazards_found_to_date": "累计发现（项）",
    "hazards_closed_to_date": "累计销号（项）",
    "open_escalations": "升级处置未销号（项）",
    "overdue_hazards": "逾期（项）",
    "on_track": "按期推进",
    "lagging_reasons": "滞后原因",
    "hazards_per_100_enterprises": "每百户企业隐患（项）",
    "open_findings": "待办事项（项）",
    "findings_by_rule": "待办事项分类",
    "oversight_suggested": "建议督导方式",
    "oversight_taken": "已采取督导",
    # stage 2's inspection list (hazardlib.stages.inspection_proposals, hazardlib.reports.score_parts)
    "rank": "排序",
    "score": "得分",
    "reason": "排序理由",
    "inspected": "本次行动已检查",
    "factor": "计分因素代码",
    "factor_title": "计分因素",
    "count": "次数或项数",
    "weight": "每次分值",
    "points": "计分",
    # findings and figures
    "rule": "规则编号",
    "title": "规则",
    "action": "下一步",
    "due": "期限",
    "message": "说明",
    "label": "指标",
    "value": "数值",
    "group": "分组",
    "definition": "口径",
    "figure": "指标代码",
    "kind": "类型",
    "name": "名称",
    "start": "开始",
    "end": "结束",
    "status": "状态",
    "actual_rate": "实际销号率（%）",
    "adjusted": "调整口径后",
    "difference": "差异",
    # an enterprise's history (hazardlib.reports.enterprise_history)
    "date": "日期",
    "campaign_year": "行动年度",
    "record": "记录类型代码",
    "record_label": "记录类型",
    "detail": "内容",
    "record_id": "记录编号",
}


@functools.cache
def column_labels() -> dict[str, str]:
    """Every known column key and its Chinese heading (results-list figures: their form header)."""
    return {**{f.key: f.header for f in ANY_KEY.values()}, **COLUMN_LABELS}


def zh(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with Chinese column headings (unknown columns keep their names)."""
    known = column_labels()
    return frame.rename(columns={c: known[c] for c in frame.columns if c in known})
