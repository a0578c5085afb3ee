"""Reference data: the plan's 24 key products, licence regimes over time, counties, problems, checklists."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from hazardlib.campaign import CountyProduct, load_campaign
from hazardlib.catalogue import load_catalogue
from hazardlib.checklists import load_checklists, load_problems
from hazardlib.datafiles import data_dir
from hazardlib.errors import UnknownCounty, UnknownProduct, ValidationFailed
from hazardlib.regions import load_regions

PLAN_CATEGORIES = [
    "危险化学品",
    "危险化学品车载常压罐体",
    "水泥",
    "电线电缆",
    "冷轧带肋钢筋",
    "钢丝绳",
    "安全帽",
    "人造板",
    "防爆电气",
    "灭火器",
    "成品油",
    "农用地膜",
    "化肥",
    "防火玻璃",
    "电动自行车",
    "电动自行车充电器和电池",
    "电动自行车乘员头盔",
    "燃气用具",
    "烟花爆竹",
    "电子门锁",
    "老年用品",
    "儿童和学生用品",
    "醇基液体燃料",
    "磷石膏建材",
]
PLAN_SUB_PRODUCTS = {
    "01": "溶解乙炔 工业过氧化氢 六氟化硫 丙烯酸 环氧乙烷 液氯",
    "08": "胶合板 细木工板",
    "09": "防爆电器 防爆电机 防爆灯具",
    "13": "磷肥 复肥",
    "18": "燃气灶具 燃气用连接软管 瓶装液化石油气调压器 可燃气体探测器 燃气紧急切断阀",
    "21": "老年内衣 老人鞋类 老视成镜 老年手机 成人纸尿裤 电热毯 坐便椅 淋浴辅助器",
    "22": "圆珠笔刀 水晶泥 磁力珠 萝卜刀 激光笔 火漆印章 儿童真煮厨具",
}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_catalogue_has_the_plans_24_categories_in_order(catalogue):
    assert [c.name for c in catalogue.categories] == PLAN_CATEGORIES
    assert [c.code for c in catalogue.categories] == [f"{n:02d}" for n in range(1, 25)]
    assert [c.no for c in catalogue.categories] == list(range(1, 25))


def test_catalogue_lists_the_sub_products_the_plan_names(catalogue):
    for code, names in PLAN_SUB_PRODUCTS.items():
        assert [s.name for s in catalogue.category(code).sub_products] == names.split()
    unnamed = [c for c in catalogue.categories if c.code not in PLAN_SUB_PRODUCTS]
    assert all([s.name for s in c.sub_products] == [c.name] for c in unnamed)


def test_sub_product_codes_carry_their_category(catalogue):
    assert catalogue.sub_product("18-03").name == "瓶装液化石油气调压器"
    assert all(s.code.startswith(s.category_code + "-") for s in catalogue.sub_products.values())
    assert all(
        s.confidence in ("verified", "recalled") and s.standard for s in catalogue.sub_products.values()
    )


def test_unknown_product_raises_with_chinese_message(catalogue):
    with pytest.raises(UnknownProduct, match="不在重点产品目录中"):
        catalogue.sub_product("25-01")
    with pytest.raises(UnknownProduct):
        catalogue.category("99")


@pytest.mark.parametrize(
    ("name", "day", "regime"),
    [
        ("安全帽", date(2024, 6, 1), "无"),
        ("安全帽", date(2024, 9, 25), "生产许可证"),
        ("安全帽", date(2024, 10, 1), "生产许可证"),
        ("瓶装液化石油气调压器", date(2024, 9, 24), "无"),
        ("瓶装液化石油气调压器", date(2024, 9, 25), "生产许可证"),
        ("细木工板", date(2024, 10, 1), "生产许可证"),
        ("电动自行车充电器和电池", date(2024, 12, 31), "无"),
        ("电动自行车充电器和电池", date(2025, 12, 1), "CCC"),
        ("电动自行车乘员头盔", date(2024, 7, 1), "无"),
        ("电动自行车乘员头盔", date(2025, 5, 1), "CCC"),
        ("燃气用连接软管", date(2025, 9, 30), "无"),
        ("燃气紧急切断阀", date(2025, 10, 1), "CCC"),
        ("可燃气体探测器", date(2025, 7, 1), "CCC"),
        ("防爆灯具", date(2024, 7, 1), "无"),
        ("防爆灯具", date(2025, 5, 1), "CCC"),
        ("防爆电机", date(2024, 7, 1), "CCC"),
        ("燃气灶具", date(2024, 7, 1), "CCC"),
        ("水泥", date(2024, 7, 1), "生产许可证"),
        ("复肥", date(2024, 7, 1), "生产许可证"),
        ("烟花爆竹", date(2024, 7, 1), "无"),
    ],
)
def test_licence_regime_on_a_date_follows_the_notes(catalogue, name, day, regime):
    assert catalogue.regime_on(catalogue.find_sub_product(name).code, day) == regime


def test_ebike_battery_is_not_ccc_at_any_time_in_2024(catalogue):
    days = (date(2024, 1, 1), date(2024, 5, 15), date(2024, 10, 31), date(2024, 12, 31))
    assert {catalogue.regime_on("16-01", d) for d in days} == {"无"}


def test_every_sub_product_has_one_regime_on_every_day(catalogue):
    for code in catalogue.sub_products:
        periods = catalogue.regimes_of(code)
        assert periods[0].effective_from is None and periods[-1].effective_to is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("液氯", "01-06"),
        ("乙炔", "01-01"),
        ("家用燃气灶具", "18-01"),
        ("胶合板（E1级）", "08-01"),
        ("“萝卜刀”", "22-04"),
        ("电动自行车用锂离子蓄电池", "16-01"),
        (" 老花镜 ", "21-03"),
    ],
)
def test_find_sub_product_reads_messy_names(catalogue, text, code):
    assert catalogue.find_sub_product(text).code == code


@pytest.mark.parametrize("text", ["燃气用具", "人造板", "板", "", "不锈钢餐具"])
def test_find_sub_product_refuses_ambiguous_or_unknown_names(catalogue, text):
    assert catalogue.find_sub_product(text) is None


def _campaign_with(*products):
    return replace(load_campaign(2024), county_products=products)


def test_county_additions_join_the_catalogue(catalogue):
    heater = CountyProduct("C522701-01", "522701", "燃气热水器", "CCC", "GB 6932-2015")
    bricks = CountyProduct("C522702-01", "522702", "烧结砖", "强制性国家标准", "GB 6566-2010")
    extended = catalogue.with_county_additions(_campaign_with(heater, bricks))
    assert extended.sub_product("C522701-01").county_code == "522701"
    assert extended.regime_on("C522701-01", date(2024, 7, 1)) == "CCC"
    assert extended.regime_on("C522702-01", date(2024, 7, 1)) == "无"
    assert len(extended.categories) == 24 and "C522701-01" not in catalogue.sub_products


def test_county_additions_outside_the_plans_rule_are_refused_with_every_finding(catalogue):
    wrong = (
        CountyProduct("C522701-01", "522701", "木制玩具", "自愿性认证"),
        CountyProduct("C522702-01", "522702", "瓷砖", "强制性国家标准", "GB/T 4100-2015"),
        CountyProduct("X-1", "522700", "燃气灶具", "CCC"),
    )
    with pytest.raises(ValidationFailed) as caught:
        catalogue.with_county_additions(_campaign_with(*wrong))
    fields = [(f.row, f.field) for f in caught.value.findings]
    assert fields == [(1, "regime"), (2, "standard"), (3, "county_code"), (3, "code"), (3, "name")]
    assert "强制性国家标准" in str(caught.value)


def test_broken_regime_file_is_refused(tmp_path: Path):
    shutil.copytree(data_dir(), tmp_path, dirs_exist_ok=True)
    regimes = tmp_path / "licence_regimes.csv"
    regimes.write_text(
        regimes.read_text(encoding="utf-8").replace("2024-09-25,,verified", "2024-09-27,,verified", 1),
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed, match="不连续"):
        load_catalogue(tmp_path)


def test_regions_hold_the_prefecture_and_its_12_counties_in_code_order():
    regions = load_regions()
    assert regions.prefecture.code == "522700" and regions.prefecture.name == "黔南布依族苗族自治州"
    assert len(regions.counties) == 12
    assert [c.code for c in regions.counties] == sorted(c.code for c in regions.counties)
    assert regions.county("522732").name == "三都水族自治县"
    assert regions.name_of("522700") == "黔南布依族苗族自治州" and regions.name_of("522701") == "都匀市"
    assert regions.is_county("522702") and not regions.is_county("522700")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("522701", "522701"),
        ("都匀", "522701"),
        ("都匀市", "522701"),
        ("三都", "522732"),
        ("三都县", "522732"),
        ("黔南州瓮安县市场监管局", "522725"),
        ("黔南州", "522700"),
        ("522726000000", "522726"),
    ],
)
def test_find_county_from_code_full_or_short_name(text, code):
    found = load_regions().find(text)
    assert found is not None and found.code == code


def test_unknown_county_raises_with_chinese_message():
    regions = load_regions()
    assert regions.find("遵义") is None
    with pytest.raises(UnknownCounty, match="不是黔南州所辖县"):
        regions.county("520100")
    with pytest.raises(UnknownCounty):
        regions.county("522700")


def test_problems_cover_both_fields_of_the_plan():
    problems = load_problems()
    names = {field: [p.name for p in problems if p.field == field] for field in ("production", "circulation")}
    assert names["production"][:3] == ["无证生产", "超许可范围生产", "未检验出厂"]
    assert {"偷工减料", "掺杂掺假", "其他"} <= set(names["production"])
    assert {"销售无证产品", "产品一致性不符", "质量低劣", "销售来源不明", "假冒伪劣", "其他"} <= set(
        names["circulation"]
    )
    assert len({p.code for p in problems}) == len(problems)


@pytest.mark.parametrize("field", ["production", "circulation"])
def test_inspection_checklists_point_to_problems_of_their_field(field):
    checklists = load_checklists()
    items = checklists.inspection(field)
    assert items and all(checklists.problem(i.problem).field == field for i in items)
    assert len({i.code for i in items}) == len(items)


def test_self_check_and_risk_control_list_follow_the_plan():
    checklists = load_checklists()
    assert [s.name for s in checklists.self_check_items] == [
        "质量安全管理制度",
        "质量安全总监",
        "质量安全员",
        "日管控",
        "周排查",
        "月调度",
    ]
    assert [r.name for r in checklists.risk_points("production")] == [
        "原材料和零部件进货查验",
        "生产过程控制",
        "出厂检验",
        "生产设备",
        "检验设施",
    ]
    assert [r.name for r in checklists.risk_points("circulation")] == ["销售来源不明", "假冒伪劣产品"]
    with pytest.raises(ValueError, match="领域"):
        checklists.inspection("retail")


def test_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HAZARD_DATA", str(tmp_path))
    assert data_dir() == tmp_path.resolve()
    monkeypatch.delenv("HAZARD_DATA")
    assert (data_dir() / "products.csv").is_file()


def test_every_checklist_item_reads_as_a_requirement_its_answer_follows():
    """方案：以进货验收制度建立和执行情况……为重点开展检查. An item reads “已建立进货查验制度：不符合”, never
    “是否建立……：不符合”."""
    checklists = load_checklists()
    for item in (*checklists.inspection_items, *checklists.self_check_items):
        assert not item.text.startswith("是否") and not any(w in item.text for w in ("是否", "能否", "？")), (
            item
        )
    c01 = next(i for i in checklists.inspection_items if i.code == "C-01")
    assert f"{c01.text}：不符合".startswith("已建立")


def test_a_checklist_phrased_as_a_question_is_refused_and_a_requirement_is_not(tmp_path):
    source = data_dir()
    good = (source / "checklists.toml").read_text(encoding="utf-8")
    for name, text, ok in (
        ("question", "是否建立进货查验制度", False),
        ("requirement", "已建立进货查验制度", True),
    ):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copy(source / "problems.csv", folder / "problems.csv")
        (folder / "checklists.toml").write_text(
            good.replace('text = "已建立进货查验（进货检查验收）制度"', f'text = "{text}"'), encoding="utf-8"
        )
        if ok:
            assert load_checklists(folder).inspection("circulation")[0].text == text
        else:
            with pytest.raises(ValidationFailed) as caught:
                load_checklists(folder)
            assert "问句" in str(caught.value) and [f.value for f in caught.value.findings] == [text]


def test_checklist_items_map_to_the_plans_problem_not_to_other():
    """方案（流通领域）：以进货验收制度建立和执行情况、产品销售台账建立和执行情况，以及销售来源不明、假冒伪劣产品等
    问题为重点；（生产领域）：关键原材料、生产过程、出厂检验等关键质量点是否控制到位，生产场所、生产设备、检验设备
    等是否符合相关规定."""
    checklists = load_checklists()
    named = {i.code: checklists.problem(i.problem).name for i in checklists.inspection_items}
    assert named["C-01"] == named["C-02"] == "进货查验制度未建立或未执行"  # not 销售来源不明
    assert named["C-03"] == named["C-04"] == "销售台账未建立或未执行"  # not 其他
    assert named["C-05"] == "销售来源不明"
    assert named["P-01"] == "原材料进货查验不到位" and named["P-03"] == "生产过程控制不到位"
    assert named["P-07"] == named["P-08"] == named["P-09"] == "生产场所、设备不符合规定"
    assert "其他" not in named.values()  # every item names a problem of the plan; 其他 is for the rest
