"""Word drafts of the documents of 三书一函 (python-docx): the issuing bureau, the kind and number, the
enterprise, the hazards behind it (the one it names, else every hazard of the enterprise open on its issue
date), the clause of the work plan it rests on (``data/instrument_kinds.csv``), what the enterprise must do
and the deadline. Like the summaries, a draft says plainly that it is to be checked and stamped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from docx.enum.text import WD_ALIGN_PARAGRAPH

from .. import schema, vocab
from ..campaign import load_campaign
from ..checklists import load_problems
from ..errors import CampaignNotFound
from ..figures import is_open, ledger_at
from ..instruments import kind_info
from ..reports.labels import bureau
from ..rules.common import finding_label, product_name
from ..store import PREFECTURE_CODE, Store
from ..vocab import date_label
from .docx import TITLE_FONT, draft_document, grid_table, paragraph

ASK = {
    "rectification_notice": "请你单位对上述问题隐患立即采取管控措施，于{deadline}前整改完毕，并将整改情况书面报告我局。",
    "listed_supervision_notice": "我局决定对上述问题隐患实施挂牌督办。请你单位落实产品质量安全主体责任，"
    "于{deadline}前完成整改并书面报告整改结果；逾期未完成整改的，将联合相关部门依法严肃处理。",
    "interview_notice": "请你单位法定代表人或主要负责人于{deadline}前到我局接受约谈，并携带上述问题隐患的整改情况书面材料。",
    "reminder_letter": "请你单位切实落实产品质量安全主体责任，于{deadline}前完成上述问题隐患整改，并书面回复我局。",
}
NO_HAZARDS = "（该文书未关联具体隐患，请写明相关问题）"


def instrument_facts(store: Store, instrument_id: int) -> dict[str, Any]:
    """What a draft says: the instrument (scoped to the session's county), its enterprise and its hazards."""
    i = store.get(schema.instruments, instrument_id)
    e = schema.enterprises
    h = schema.hazards
    with store.read() as conn:
        enterprise = (
            conn.execute(sa.select(e).where(e.c.id == i["enterprise_id"])).mappings().first()
            if i["enterprise_id"] is not None
            else None
        )
        if i["hazard_id"] is not None:
            stmt = sa.select(h).where(h.c.id == i["hazard_id"])
        elif enterprise is not None:
            led = ledger_at(i["issue_date"])
            stmt = sa.select(h).where(
                h.c.enterprise_id == enterprise["id"],
                h.c.id.in_(sa.select(led.c.id).where(is_open(led), led.c.enterprise_id == enterprise["id"])),
            )
        else:
            stmt = None
        hazards = (
            [dict(r) for r in conn.execute(stmt.order_by(h.c.id)).mappings()] if stmt is not None else []
        )
    try:
        plan = load_campaign(i["campaign_year"])
        plan_title = plan.title + "工作方案"
    except CampaignNotFound:
        plan_title = f"{i['campaign_year']}年重点工业产品质量安全隐患排查治理行动工作方案"
    return {"instrument": i, "enterprise": enterprise, "hazards": hazards, "plan_title": plan_title}


def write_instrument(store: Store, instrument_id: int, path: str | Path) -> Path:
    """Write the Word draft of instrument ``instrument_id`` at ``path``."""
    facts = instrument_facts(store, instrument_id)
    i, enterprise, hazards = facts["instrument"], facts["enterprise"], facts["hazards"]
    info = kind_info(i["kind"])
    issuer = i["issuer_code"] or i["county_code"] or PREFECTURE_CODE
    deadline = i["reply_due"] or i["issue_date"]
    problems = {p.code: p.name for p in load_problems()}

    doc = draft_document(
        "【草稿】本稿由工作台自动生成，请核对事实和依据、修改完善后加盖公章送达。送达前请删除本段。"
    )

    paragraph(doc, bureau(issuer), font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    paragraph(doc, info.title, font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    paragraph(doc, i["number"] or "", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    paragraph(doc, "")
    if enterprise is not None:
        paragraph(doc, f"{enterprise['name']}（统一社会信用代码：{enterprise['uscc']}）：", indent=False)
    else:
        paragraph(doc, "（请填写送达单位）：", indent=False)
    if hazards:
        found = min(r["found_date"] for r in hazards)
        paragraph(
            doc,
            f"我局在重点工业产品质量安全隐患排查治理工作中，自{date_label(found)}起发现你单位存在以下问题隐患：",
        )
        grid_table(
            doc,
            ["隐患编号", "产品", "问题类型", "类别等级", "发现日期", "情况"],
            [
                [
                    r["id"],
                    product_name(r["sub_product_code"]),
                    problems.get(r["problem_code"], r["problem_code"]),
                    finding_label(r["kind"], r["grade"]),
                    r["found_date"].isoformat(),
                    r["description"] or "",
                ]
                for r in hazards
            ],
            [1.8, 2.6, 3.2, 2.2, 2.4, 4.0],
        )
    else:
        paragraph(doc, NO_HAZARDS)
    if i["note"]:
        paragraph(doc, i["note"])
    paragraph(doc, f"依据：《{facts['plan_title']}》{info.basis}。")
    paragraph(doc, ASK[i["kind"]].format(deadline=date_label(deadline)))
    paragraph(doc, f"期限：{date_label(deadline)}", indent=False)
    paragraph(doc, "")
    paragraph(doc, f"{bureau(issuer)}（盖章）", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    paragraph(doc, date_label(i["issue_date"]), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    paragraph(doc, "")
    paragraph(doc, f"送达回证：签收人＿＿＿＿＿＿　签收日期＿＿＿＿年＿＿月＿＿日（{vocab.INSTRUMENT_KIND.label(i['kind'])}）",
          size=12, indent=False)  # fmt: skip

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(target))
    return target


def draft_file_name(store: Store, instrument_id: int) -> str:
    """The file name a draft is offered under: kind, number and enterprise."""
    i = store.get(schema.instruments, instrument_id)
    return f"{vocab.INSTRUMENT_KIND.label(i['kind'])}_{i['number'] or i['id']}.docx"
