"""The canonical columns of each template kind and their synonyms (the enterprise-centred kinds here,
the others in :mod:`hazardlib.intake.columns_cases`; the registry and header matching in
:mod:`hazardlib.intake.kinds`).

A column has a canonical Chinese header (the one the template writes), the synonyms real files use
for it, the type of value it holds and, where the value comes from a closed list, the name of the
dropdown list (see :mod:`hazardlib.intake.choices`). ``required`` columns must be filled on every
row; ``required_with`` columns must be filled when any column of that group is (a hazard's grade on
an inspection row that records a hazard, for example).
"""

from __future__ import annotations

from dataclasses import dataclass

EXAMPLE_MARK = "示例"
MAX_HEADER_CHARS = 60
ROW_NO_HEADER = "序号"


@dataclass(frozen=True)
class Column:
    """One canonical column of a template."""

    key: str
    header: str
    # text, date, int, yes_no, choice, county, sub_product(s), category, problem, risk_point, uscc, hazard_id,
    # checklist
    type: str = "text"
    required: bool = False
    synonyms: tuple[str, ...] = ()
    choices: str | None = None
    note: str = ""
    example: object = None
    group: str | None = None  # columns that only matter together (hazard, item, producer, seller)
    required_with: str | None = None  # required when any column of this group is filled
    unless: str | None = None  # a required column that may stay blank when this other column is filled
    width: int | None = None

    @property
    def always_required(self) -> bool:
        """Required on every row, as the import requires it (a column with ``unless`` is not)."""
        return self.required and not self.unless

    @property
    def marked_header(self) -> str:
        """The header as the template writes it: a column the import requires (on every row, or with its
        group) starts with an asterisk; one that may stay blank when another is filled does not."""
        return f"*{self.header}" if self.always_required or self.required_with else self.header


@dataclass(frozen=True)
class KindSpec:
    """A template kind: its data sheet, columns, key and what one row of it holds."""

    name: str
    label: str
    sheet: str
    columns: tuple[Column, ...]
    key: str
    row_note: str
    enterprise_note: str = ""
    notes: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def required_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.required)


# -- synonyms shared by several kinds -------------------------------------------------------------

USCC_SYNONYMS = (
    "社会信用代码",
    "信用代码",
    "统一代码",
    "统一社会信用代码证号",
    "统一社会信用代码/注册号",
    "社会统一信用代码",
    "营业执照号",
    "营业执照号码",
    "USCC",
)
NAME_SYNONYMS = (
    "单位名称",
    "生产企业名称",
    "企业名称（全称）",
    "企业全称",
    "市场主体名称",
    "经营者名称",
    "受检单位名称",
    "受检单位",
    "被检查单位",
    "被检查单位名称",
    "被检查企业",
    "企业",
    "名称",
)
COUNTY_SYNONYMS = (
    "县（市）",
    "县市",
    "所属县市",
    "所在县（市）",
    "所属地区",
    "辖区",
    "属地",
    "县（市、区）",
    "区县",
)
ENTERPRISE_FIELD_SYNONYMS = ("主体类型", "企业性质", "单位类型", "生产/销售")
PRODUCT_SYNONYMS = ("产品名称", "产品", "检查产品", "抽查产品", "涉及产品", "产品品种", "细分产品")
CATEGORY_SYNONYMS = ("产品类别", "重点产品类别", "产品大类", "类别名称")
NOTE_SYNONYMS = ("说明", "备考")


def uscc_column(required: bool = False, **kw: object) -> Column:
    return Column(
        "uscc",
        "统一社会信用代码",
        "uscc",
        required=required,
        synonyms=USCC_SYNONYMS,
        note="18位统一社会信用代码；填写后按代码匹配库中企业",
        example="91522701202406033X",
        width=24,
        **kw,  # type: ignore[arg-type]
    )


ENTERPRISE_REF = (
    Column(
        "enterprise_name",
        "企业名称",
        required=True,
        synonyms=NAME_SYNONYMS,
        note="企业全称；未填统一社会信用代码时按名称匹配库中唯一的同名企业",
        example="都匀市示例建材有限公司",
        width=30,
    ),
    uscc_column(),
    Column(
        "enterprise_county",
        "所属县（市）",
        "county",
        synonyms=COUNTY_SYNONYMS,
        choices="counties",
        note="企业不在库中时用于登记企业（与企业类型一并填写）",
        example="都匀市",
    ),
    Column(
        "enterprise_field",
        "企业类型",
        "choice",
        synonyms=ENTERPRISE_FIELD_SYNONYMS,
        choices="enterprise_fields",
        note="企业不在库中时用于登记企业：生产单位、销售单位或生产销售单位",
        example="生产单位",
    ),
)

ENTERPRISE_NOTE = (
    "企业按统一社会信用代码匹配，未填代码时按企业名称匹配（须在库中唯一）。"
    "企业不在库中时：若本行同时填写了企业名称、统一社会信用代码、所属县（市）和企业类型，导入时自动登记该企业；"
    "否则该行不导入，并在问题清单中说明。"
)


def date_column(key: str, header: str, required: bool = True, **kw: object) -> Column:
    return Column(key, header, "date", required=required, width=14, **kw)  # type: ignore[arg-type]


def yes_no_column(key: str, header: str, required: bool = False, example: str = "否", **kw: object) -> Column:
    return Column(
        key,
        header,
        "yes_no",
        required=required,
        choices="yes_no",
        note="填“是”或“否”",
        example=example,
        **kw,  # type: ignore[arg-type]
    )


def product_column(required: bool = True, **kw: object) -> Column:
    return Column(
        "sub_product_code",
        "产品",
        "sub_product",
        required=required,
        unless="category_code",
        synonyms=PRODUCT_SYNONYMS,
        choices="sub_products",
        note="从下拉列表选择重点产品（代码 名称），也可只写产品名称",
        example="03-01 水泥",
        width=26,
        **kw,  # type: ignore[arg-type]
    )


def category_column(**kw: object) -> Column:
    return Column(
        "category_code",
        "产品类别",
        "category",
        synonyms=CATEGORY_SYNONYMS,
        choices="categories",
        note="选填；填写时须与“产品”一致；只有一个细分产品的类别可只填类别",
        example="03 水泥",
        width=22,
        **kw,  # type: ignore[arg-type]
    )


# -- the kinds ------------------------------------------------------------------------------------

ENTERPRISES = KindSpec(
    "enterprises",
    "企业名录",
    "企业名录",
    (
        uscc_column(required=True),
        Column(
            "name",
            "企业名称",
            required=True,
            synonyms=NAME_SYNONYMS,
            note="企业全称",
            example="都匀市示例建材有限公司",
            width=30,
        ),
        Column(
            "county_code",
            "所属县（市）",
            "county",
            required=True,
            synonyms=COUNTY_SYNONYMS,
            choices="counties",
            note="企业登记所在的县（市）",
            example="都匀市",
        ),
        Column(
            "field",
            "企业类型",
            "choice",
            required=True,
            synonyms=ENTERPRISE_FIELD_SYNONYMS,
            choices="enterprise_fields",
            note="生产单位、销售单位或生产销售单位",
            example="生产单位",
        ),
        Column(
            "address",
            "地址",
            synonyms=("企业地址", "生产地址", "经营地址", "住所", "经营场所", "详细地址"),
            example="都匀市示例路1号",
            width=30,
        ),
        yes_no_column(
            "in_cluster_area", "位于生产销售企业集聚区", synonyms=("集聚区", "位于集聚区", "产业集聚区")
        ),
        yes_no_column(
            "rural_or_fringe_shop", "城乡结合部或农村市场门店", synonyms=("城乡结合部门店", "农村市场门店")
        ),
        yes_no_column("wholesale_market_shop", "专业批发市场门店", synonyms=("批发市场门店",)),
        yes_no_column("concentrated_complaints", "投诉或舆情集中", synonyms=("投诉举报集中", "舆情集中")),
        Column(
            "licence_no",
            "生产许可证编号",
            synonyms=("许可证编号", "许可证号", "生产许可证号", "工业产品生产许可证编号"),
            note="格式 XK××-×××-×××××",
            example="XK13-201-00001",
            width=20,
        ),
        Column(
            "ccc_certificates",
            "CCC证书编号",
            synonyms=("3C证书编号", "CCC证书", "强制性产品认证证书编号", "认证证书编号"),
            note="16位数字；多个用顿号分隔",
            width=22,
        ),
        Column(
            "products",
            "生产或销售的产品",
            "sub_products",
            synonyms=("主要产品", "经营产品", "生产产品", "销售产品", "涉及产品"),
            note="重点产品名称或代码；多个用顿号分隔",
            example="水泥",
            width=26,
        ),
        Column(
            "contact",
            "联系人及电话",
            synonyms=("联系人", "联系电话", "联系方式", "负责人及电话"),
            example="张三 13800000000",
            width=20,
        ),
    ),
    key="统一社会信用代码",
    row_note="每行一家企业。",
)

SELF_CHECKS = KindSpec(
    "self-checks",
    "企业自查",
    "企业自查",
    (
        *ENTERPRISE_REF,
        date_column(
            "check_date", "自查日期", synonyms=("自查时间", "填报日期", "日期"), example="2024-06-03"
        ),
        yes_no_column(
            "management_system", "建立质量安全管理制度", True, "是", synonyms=("质量安全管理制度",)
        ),
        yes_no_column("quality_director", "配备质量安全总监", True, "是", synonyms=("质量安全总监",)),
        yes_no_column("quality_officer", "配备质量安全员", True, "是", synonyms=("质量安全员",)),
        yes_no_column("daily_control", "执行日管控", True, "是", synonyms=("日管控",)),
        yes_no_column("weekly_check", "执行周排查", True, "是", synonyms=("周排查",)),
        yes_no_column("monthly_review", "执行月调度", True, "是", synonyms=("月调度",)),
        yes_no_column("major_risk_reported", "主动报告重大风险", synonyms=("报告重大风险", "重大风险报告")),
        Column("major_risk_description", "重大风险情况", synonyms=("重大风险描述",), width=30),
        Column("note", "备注", synonyms=NOTE_SYNONYMS, width=24),
        Column(
            "point_code",
            "风险点类别",
            "risk_point",
            choices="risk_points",
            group="item",
            required_with="item",
            synonyms=("风险点类型", "风险类别", "管控环节"),
            note="风险管控清单的一条：从下拉列表选择风险点类别",
            example="R-01 原材料和零部件进货查验",
            width=28,
        ),
        Column(
            "risk_point",
            "关键风险点",
            group="item",
            required_with="item",
            synonyms=("风险点", "风险点描述", "主要风险"),
            example="水泥熟料进货查验",
            width=30,
        ),
        Column(
            "measure",
            "管控措施",
            group="item",
            synonyms=("防控措施", "控制措施"),
            example="逐批查验合格证明",
            width=30,
        ),
        yes_no_column(
            "measures_in_place",
            "管控措施已落实",
            example="是",
            group="item",
            synonyms=("措施是否落实", "是否落实"),
        ),
        Column(
            "grade",
            "风险等级",
            "choice",
            choices="grades",
            group="item",
            synonyms=("风险级别",),
            note="一般、较大或重大；不填为一般",
            example="一般",
        ),
    ),
    key="企业 + 行动年度（自查日期所在年度）",
    row_note=(
        "每行是风险管控清单的一条，企业的自查情况（制度、人员、日管控周排查月调度）在同一企业的各行重复填写；"
        "没有风险管控清单的企业填一行，清单各列留空。同一企业同一年度的各行合起来是一份完整的自查记录，"
        "重新导入时以文件为准替换原清单。"
    ),
    enterprise_note=ENTERPRISE_NOTE,
)

INSPECTIONS = KindSpec(
    "inspections",
    "现场检查",
    "现场检查",
    (
        *ENTERPRISE_REF,
        date_column("inspection_date", "检查日期", synonyms=("检查时间", "日期"), example="2024-07-10"),
        Column(
            "field",
            "检查领域",
            "choice",
            required=True,
            choices="fields",
            synonyms=("领域", "环节", "检查环节"),
            note="生产领域或流通领域",
            example="生产领域",
        ),
        category_column(),
        product_column(),
        Column("inspectors", "检查人员", synonyms=("检查人", "执法人员"), example="李四、王五", width=18),
        Column("note", "检查情况", synonyms=("备注", "检查情况说明", *NOTE_SYNONYMS), width=30),
        Column(
            "failed_items",
            "不符合的检查要点",
            "checklist",
            synonyms=("不符合项", "不合格检查项", "检查发现问题的要点"),
            note="检查表中不符合的要点代码（如 P-06、C-01），多个用顿号分隔；全部符合填“无”；不填则不记录检查表结果",
            example="P-06",
            width=20,
        ),
        Column(
            "hazard_kind",
            "隐患类别",
            "choice",
            choices="finding_kinds",
            group="hazard",
            synonyms=("隐患或风险",),
            note="隐患或风险；不填为隐患",
            example="隐患",
        ),
        Column(
            "grade",
            "隐患等级",
            "choice",
            choices="grades",
            group="hazard",
            required_with="hazard",
            synonyms=("隐患级别", "风险等级", "等级"),
            note="一般、较大或重大（发现隐患时必填）",
            example="一般",
        ),
        Column(
            "problem_code",
            "问题类型",
            "problem",
            choices="problems",
            group="hazard",
            required_with="hazard",
            synonyms=("问题类别", "隐患类型", "重点问题"),
            note="从下拉列表选择（发现隐患时必填）",
            example="P04 出厂检验记录不全",
            width=26,
        ),
        Column(
            "description",
            "隐患描述",
            group="hazard",
            synonyms=("隐患内容", "问题描述", "存在问题", "发现问题"),
            example="出厂检验记录缺少部分批次",
            width=30,
        ),
        yes_no_column(
            "control_measures", "已采取管控措施", example="是", group="hazard", synonyms=("管控措施",)
        ),
        yes_no_column(
            "large_urgent", "隐患大、问题紧迫", group="hazard", synonyms=("隐患大问题紧迫", "问题紧迫")
        ),
        date_column("ordered_date", "责令整改日期", False, group="hazard", example="2024-07-10"),
        date_column(
            "deadline",
            "整改期限",
            False,
            group="hazard",
            synonyms=("整改期限日期", "限期"),
            example="2024-08-09",
        ),
    ),
    key="检查：企业 + 检查日期 + 产品；隐患：企业 + 发现日期（即检查日期）+ 产品 + 问题类型",
    row_note=(
        "每行是一次现场检查发现的一条隐患，检查信息（企业、日期、领域、产品、人员）在同一次检查的各行重复填写；"
        "没有发现隐患的检查填一行，隐患各列留空。"
    ),
    enterprise_note=ENTERPRISE_NOTE,
)

HELP = KindSpec(
    "help",
    "质量帮扶",
    "质量帮扶",
    (
        *ENTERPRISE_REF,
        Column(
            "kind",
            "帮扶方式",
            "choice",
            required=True,
            choices="help_kinds",
            synonyms=("帮扶类型", "帮扶形式"),
            example="质量问诊",
        ),
        date_column("help_date", "帮扶日期", synonyms=("帮扶时间", "日期"), example="2024-09-10"),
        Column("note", "帮扶内容", synonyms=("内容", "帮扶情况", "备注"), width=40),
    ),
    key="企业 + 帮扶方式 + 帮扶日期",
    row_note="每行一次帮扶。",
    enterprise_note=ENTERPRISE_NOTE,
)
