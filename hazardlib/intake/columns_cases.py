"""The canonical columns of the kinds about cases on the ledger and beyond it: rectification moves, spot
checks, enforcement cases and risk signals (the enterprise-centred kinds are in
:mod:`hazardlib.intake.columns`)."""

from __future__ import annotations

from .. import models
from .columns import (
    ENTERPRISE_NOTE,
    ENTERPRISE_REF,
    Column,
    KindSpec,
    category_column,
    columns,
    template_columns,
    uscc_column,
)

RECTIFICATIONS = KindSpec(
    "rectifications",
    "整改进展",
    "整改进展",
    (
        Column(
            "hazard_id",
            "隐患编号",
            "hazard_id",
            synonyms=("隐患ID", "隐患序号", "台账编号"),
            note="整改台账导出表中的隐患编号；不知道编号时不填，改填统一社会信用代码、发现日期、产品和问题类型",
            example="1",
        ),
        Column(
            "enterprise_name",
            "企业名称",
            synonyms=models.NAME.synonyms,
            note="仅供核对，导入时不使用",
            width=30,
        ),
        Column(
            "uscc",
            "统一社会信用代码",
            "uscc",
            group="hazard_ref",
            synonyms=models.USCC.synonyms,
            note="未填隐患编号时，与发现日期、产品、问题类型一起确定隐患",
            width=24,
        ),
        Column("found_date", "发现日期", "date", group="hazard_ref", synonyms=("隐患发现日期",), width=14),
        Column(
            "sub_product_code",
            "产品",
            "sub_product",
            group="hazard_ref",
            synonyms=models.PRODUCT.synonyms,
            choices="sub_products",
            note="未填隐患编号时填写隐患的产品",
            width=26,
        ),
        Column(
            "problem_code",
            "问题类型",
            "problem",
            choices="problems",
            group="hazard_ref",
            synonyms=("问题类别", "隐患类型", "重点问题"),
            note="未填隐患编号时填写隐患的问题类型",
            width=26,
        ),
        Column(
            "state",
            "当前状态",
            "choice",
            choices="hazard_states",
            synonyms=("整改状态", "状态"),
            note="仅供核对：台账导出时的状态，与库中不一致时提示",
        ),
        Column(
            "move",
            "整改环节",
            "choice",
            required=True,
            choices="hazard_moves",
            synonyms=("处置环节", "进展", "操作"),
            note="责令限期整改、企业整改完成、复查、销号、拒不整改、升级处置或回头看",
            example="责令限期整改",
        ),
        Column(
            "day",
            "日期",
            "date",
            required=True,
            synonyms=("办理日期", "完成日期", "时间"),
            example="2024-07-12",
            width=14,
        ),
        Column(
            "deadline", "整改期限", "date", synonyms=("限期", "整改期限日期"), example="2024-08-11", width=14
        ),
        Column(
            "deadline_days",
            "期限天数",
            "int",
            synonyms=("整改天数", "限期天数"),
            note="不填整改期限时可填天数",
        ),
        Column(
            "deadline_unit",
            "期限单位",
            "choice",
            choices="deadline_units",
            synonyms=("天数单位",),
            note="自然日或工作日；不填为自然日",
        ),
        Column(
            "outcome",
            "结论",
            "choice",
            choices="outcomes",
            synonyms=("复查结论", "回头看结论", "处置方式", "结果"),
            note="复查填复查合格或复查不合格；回头看填整改成效巩固或问题反弹；升级处置填处置方式",
            width=22,
        ),
        Column("note", "备注", synonyms=models.NOTE.synonyms, width=30),
    ),
    key="隐患编号（或 统一社会信用代码 + 发现日期 + 产品 + 问题类型）+ 整改环节 + 日期（同一环节同一天只记一次）",
    row_note="每行是台账上一条隐患的一次整改进展，按文件中的先后顺序办理。",
    notes=("整改进展只能追加，不能改写：已办理的环节不能用新文件修改，如需更正请在整改台账中处理。",),
)

SPOT_CHECKS = KindSpec(
    "spot-checks",
    "监督抽查",
    "监督抽查",
    (
        *columns(models.SpotCheck, "batch_no", "sampled_by_county", "sample_date"),
        category_column(),
        *columns(models.SpotCheck, "sub_product_code", "channel", "result"),
        Column(
            "inspected",
            "受检单位",
            "choice",
            choices="party_roles",
            synonyms=("受检对象",),
            note="生产单位或销售单位；不填时生产环节为生产单位，其他环节为销售单位",
        ),
        Column(
            "producer_name",
            "生产单位名称",
            group="producer",
            synonyms=("生产企业名称", "生产企业", "生产者", "标称生产企业", "标称生产者名称"),
            example="都匀市示例建材有限公司",
            width=30,
        ),
        Column(
            "producer_uscc",
            "生产单位统一社会信用代码",
            "uscc",
            group="producer",
            synonyms=("生产企业统一社会信用代码", "生产单位信用代码", "生产企业信用代码"),
            example="91522701202406033X",
            width=24,
        ),
        Column(
            "producer_region",
            "生产单位所在地区",
            group="producer",
            synonyms=("生产企业所在地", "生产单位所在地", "生产企业地址"),
            example="贵州省黔南州都匀市",
            width=20,
        ),
        Column(
            "seller_name",
            "销售单位名称",
            group="seller",
            synonyms=("销售企业名称", "被抽样单位名称", "被抽样单位", "销售者", "经销单位"),
            example="福泉市示例建材经营部",
            width=30,
        ),
        Column(
            "seller_uscc",
            "销售单位统一社会信用代码",
            "uscc",
            group="seller",
            synonyms=("销售企业统一社会信用代码", "被抽样单位统一社会信用代码", "销售单位信用代码"),
            width=24,
        ),
        Column(
            "seller_region",
            "销售单位所在地区",
            group="seller",
            synonyms=("销售企业所在地", "被抽样单位所在地", "销售单位所在地"),
            example="贵州省黔南州福泉市",
            width=20,
        ),
        *columns(models.SpotCheck, "follow_up_of", "enforcement_sampling", "note"),
    ),
    key="抽样单编号",
    row_note="每行一个抽查批次。生产单位、销售单位在库中的（按统一社会信用代码匹配）自动关联；不在库中的只记名称、代码和地区，不登记为企业。",
)

ENFORCEMENT = KindSpec(
    "enforcement",
    "执法办案",
    "执法办案",
    (
        *ENTERPRISE_REF,
        *template_columns(models.EnforcementCase),
    ),
    key="案件编号（未填时：企业 + 立案日期 + 违法行为）",
    row_note="每行一件案件。",
    enterprise_note=ENTERPRISE_NOTE,
)

RISK_SIGNALS = KindSpec(
    "risk-signals",
    "风险信息",
    "风险信息",
    (
        *columns(models.RiskSignal, "county_code", "received_date", "source", "description"),
        Column(
            "enterprise_name", "企业名称", synonyms=models.NAME.synonyms, note="涉及库中企业时填写", width=30
        ),
        uscc_column(),
        Column(
            "enterprise_field",
            "企业类型",
            "choice",
            synonyms=models.ENTERPRISE_FIELD.synonyms,
            choices="enterprise_fields",
            note="企业不在库中时用于登记企业（企业登记在本行的所属县（市））",
        ),
        *columns(models.RiskSignal, "sub_product_code", "verification", "verified_date"),
    ),
    key="所属县（市）+ 收到日期 + 风险信息",
    row_note="每行一条风险信息。企业可不填；填写时按统一社会信用代码或唯一的企业名称匹配。",
    enterprise_note=ENTERPRISE_NOTE,
)
