"""Every Chinese word the demo campaign writes: trades and their names, places, descriptions, notes.

Kept in one module so the wording can be read and changed without touching the generator's logic.
Everything here is made up for the demo; codes marked "illustrative" are not official numbering.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Trade:
    """A line of business: what its shops sell, what its factories make, and how they are named."""

    key: str
    sells: tuple[str, ...]  # sub-product codes a shop of this trade sells
    makes: tuple[str, ...]  # sub-product codes a factory of this trade makes (() = no local factories)
    seller_suffixes: tuple[str, ...]
    producer_suffixes: tuple[str, ...]
    seller_weight: float
    producer_weight: float
    clusters: tuple[str, ...] = ()  # county codes with a cluster of such producers (集聚区)
    market: str = ""  # the kind of wholesale market its shops sit in, if any
    origins: tuple[str, ...] = ("guiyang", "guangzhou", "hangzhou")  # where outside producers come from


TRADES: tuple[Trade, ...] = (
    Trade("hardware", ("04-01", "20-01", "07-01", "18-02", "06-01"), (),
          ("五金店", "五金交电经营部", "五金机电商行"), (), 12, 0, market="五金机电",
          origins=("xingtai", "jinhua", "wuhu")),
    Trade("building", ("03-01", "08-01", "08-02", "14-01", "05-01", "24-01"), (),
          ("建材经营部", "建材店", "建材商行"), (), 10, 0, market="建材", origins=("guiyang", "anshun", "linyi")),
    Trade("cement", ("03-01",), ("03-01",), ("水泥经营部",), ("水泥有限公司", "水泥有限责任公司", "建材有限公司"),
          1, 3, clusters=("522701", "522731"), origins=("guiyang", "anshun")),
    Trade("cable", ("04-01",), ("04-01",), ("电线电缆经营部", "水电材料经营部"), ("电线电缆有限公司", "线缆有限公司"),
          2, 2, clusters=("522730",), origins=("wuhu", "zhengzhou")),
    Trade("steel", ("05-01", "06-01"), ("05-01", "06-01"), ("钢材经营部",), ("金属制品有限公司", "钢业有限公司"),
          2, 1.5, clusters=("522702",), origins=("liuzhou", "guiyang")),
    Trade("safety", ("07-01", "17-01"), ("07-01",), ("劳保用品店", "劳保用品经营部"), ("安全防护用品有限公司",),
          2, 0.4, origins=("xingtai", "taizhou")),
    Trade("wood", ("08-01", "08-02"), ("08-01", "08-02"), ("板材经营部",), ("木业有限公司", "人造板有限公司"),
          2, 2.5, clusters=("522732", "522726", "522722"), origins=("linyi", "guigang")),
    Trade("chemical", ("01-01", "01-02", "01-03", "01-04", "01-05", "01-06"), ("01-01", "01-02", "01-04", "01-06"),
          ("化工经营部", "气体经营部"), ("化工有限公司", "化工有限责任公司", "气体有限公司"), 1.5, 2,
          clusters=("522702", "522725"), origins=("chengdu", "chongqing")),
    Trade("tanker", ("02-01",), ("02-01",), ("汽车贸易有限公司",), ("专用汽车有限公司", "罐体制造有限公司"), 0.4, 0.4,
          clusters=("522730",), origins=("suizhou",)),
    Trade("explosion_proof", ("09-01", "09-02", "09-03"), ("09-01", "09-03"), ("机电设备经营部", "防爆电器经营部"),
          ("防爆电气有限公司",), 1, 0.3, origins=("nanyang", "wenzhou")),
    Trade("fire", ("10-01",), ("10-01",), ("消防器材经营部", "消防器材店"), ("消防科技有限公司",), 1.5, 0.3,
          origins=("jinhua", "guiyang")),
    Trade("fuel_station", ("11-01",), (), ("加油站",), (), 3, 0, origins=("qinzhou", "kunming", "guiyang")),
    Trade("farm", ("12-01", "13-01", "13-02"), (), ("农资经营部", "农资店", "农资服务部"), (), 9, 0,
          market="农资", origins=("kunming", "yichang")),
    Trade("fertiliser", ("13-01", "13-02"), ("13-01", "13-02"), ("化肥经营部",), ("化肥有限公司", "磷化工有限责任公司", "肥业有限公司"),
          1, 3, clusters=("522725", "522702"), origins=("kunming", "yichang")),
    Trade("film", ("12-01",), ("12-01",), ("农膜经营部",), ("塑料制品有限公司", "塑业有限公司"), 0.5, 1,
          origins=("kunming", "chengdu")),
    Trade("glass", ("14-01",), ("14-01",), ("门窗店", "铝合金门窗经营部"), ("玻璃制品有限公司", "玻璃有限公司"), 1.5, 0.8,
          origins=("guiyang", "chongqing")),
    Trade("ebike", ("15-01", "16-01", "17-01"), ("15-01", "16-01"), ("电动车行", "电动车销售店", "电动车经营部"),
          ("车业有限公司",), 8, 0.4, market="", origins=("tianjin", "taizhou", "wuxi", "xingtai")),
    Trade("gas", ("18-01", "18-02", "18-03", "18-04", "18-05", "23-01"), ("18-01", "18-02", "18-05"),
          ("燃气具经营部", "燃气具店", "厨具经营部"), ("燃气具有限公司", "燃气设备有限公司"), 6, 1,
          origins=("foshan", "zhongshan", "ningbo")),
    Trade("fireworks", ("19-01",), ("19-01",), ("烟花爆竹经营部", "烟花爆竹店"), ("烟花爆竹有限公司",), 3, 0.3,
          origins=("changsha", "pingxiang")),
    Trade("locks", ("20-01",), (), ("智能锁店", "锁具经营部"), (), 1.5, 0, origins=("jinhua", "zhongshan")),
    Trade("general_store", ("21-01", "21-02", "21-05", "21-06", "21-07", "21-08", "22-02", "22-03"), (),
          ("百货超市", "超市", "百货商店", "老年用品店"), (), 10, 0, market="小商品",
          origins=("quanzhou", "wenzhou", "jinhua")),
    Trade("diapers", ("21-05",), ("21-05",), ("纸品经营部",), ("纸业有限公司",), 0.3, 0.5, origins=("quanzhou",)),
    Trade("garments", ("21-01", "21-02"), ("21-01",), ("服装店",), ("服饰有限公司",), 1, 0.3, origins=("wenzhou",)),
    Trade("optical", ("21-03",), (), ("眼镜店",), (), 1.5, 0, origins=("zhenjiang",)),
    Trade("phones", ("21-04",), (), ("通讯店", "手机店", "通讯器材经营部"), (), 2.5, 0, origins=("shenzhen",)),
    Trade("appliances", ("21-06", "22-07", "18-01", "18-04"), (), ("家电商行", "电器经营部"), (), 3, 0,
          origins=("foshan", "ningbo")),
    Trade("stationery", ("22-01", "22-02", "22-03", "22-04", "22-05", "22-06", "22-07"), (),
          ("文具店", "文体用品店", "玩具店"), (), 5, 0, market="小商品", origins=("jinhua", "shantou")),
    Trade("alcohol_fuel", ("23-01",), ("23-01",), ("燃料经营部",), ("新能源有限公司", "生物燃料有限公司", "醇基燃料有限公司"),
          1, 1.5, origins=("guiyang", "kunming")),
    Trade("phosphogypsum", ("24-01",), ("24-01",), ("石膏建材经营部",), ("新型建材有限公司", "磷石膏综合利用有限公司"),
          0.5, 1.5, clusters=("522702", "522725"), origins=("guiyang",)),
)  # fmt: skip

# Seller names ending like this are individual businesses (个体工商户, 统一社会信用代码 starting 92).
INDIVIDUAL_ENDINGS = ("店", "部", "行", "超市")

# Places outside the prefecture that products come from: key → (region as written, city, admin code).
OUTSIDE: dict[str, tuple[str, str, str]] = {
    "guiyang": ("贵州省贵阳市", "贵阳市", "520100"),
    "anshun": ("贵州省安顺市", "安顺市", "520400"),
    "guangzhou": ("广东省广州市", "广州市", "440100"),
    "foshan": ("广东省佛山市", "佛山市", "440600"),
    "zhongshan": ("广东省中山市", "中山市", "442000"),
    "shenzhen": ("广东省深圳市", "深圳市", "440300"),
    "shantou": ("广东省汕头市", "汕头市", "440500"),
    "hangzhou": ("浙江省杭州市", "杭州市", "330100"),
    "ningbo": ("浙江省宁波市", "宁波市", "330200"),
    "wenzhou": ("浙江省温州市", "温州市", "330300"),
    "jinhua": ("浙江省金华市", "金华市", "330700"),
    "taizhou": ("浙江省台州市", "台州市", "331000"),
    "wuxi": ("江苏省无锡市", "无锡市", "320200"),
    "zhenjiang": ("江苏省镇江市", "镇江市", "321100"),
    "tianjin": ("天津市", "天津市", "120000"),
    "xingtai": ("河北省邢台市", "邢台市", "130500"),
    "linyi": ("山东省临沂市", "临沂市", "371300"),
    "wuhu": ("安徽省芜湖市", "芜湖市", "340200"),
    "zhengzhou": ("河南省郑州市", "郑州市", "410100"),
    "nanyang": ("河南省南阳市", "南阳市", "411300"),
    "quanzhou": ("福建省泉州市", "泉州市", "350500"),
    "changsha": ("湖南省长沙市", "长沙市", "430100"),
    "pingxiang": ("江西省萍乡市", "萍乡市", "360300"),
    "yichang": ("湖北省宜昌市", "宜昌市", "420500"),
    "suizhou": ("湖北省随州市", "随州市", "421300"),
    "chengdu": ("四川省成都市", "成都市", "510100"),
    "chongqing": ("重庆市", "重庆市", "500000"),
    "kunming": ("云南省昆明市", "昆明市", "530100"),
    "liuzhou": ("广西壮族自治区柳州市", "柳州市", "450200"),
    "guigang": ("广西壮族自治区贵港市", "贵港市", "450800"),
    "qinzhou": ("广西壮族自治区钦州市", "钦州市", "450700"),
}

# Made-up shares of the prefecture's enterprises by county (larger towns hold more shops and factories).
COUNTY_WEIGHTS: dict[str, float] = {
    "522701": 17, "522702": 9, "522722": 5, "522723": 8, "522725": 10, "522726": 8,
    "522727": 6, "522728": 6, "522729": 6, "522730": 9, "522731": 9, "522732": 6,
}  # fmt: skip

# Characters trade names (字号) are made of, besides Faker's own company prefixes.
NAME_CHARS = (
    "恒鑫源达盛隆昌顺兴宏华泰安康永福祥瑞德利丰益金鼎信诚嘉通宇茂富荣旺佳和新邦晟骏腾峰远汇广众合博铭"
)
STREETS = ("人民路", "中山路", "解放路", "建设路", "环城路", "民族路", "文化路", "新华路", "团结路", "迎宾大道",
           "河滨路", "沿河路", "工业大道", "东山路", "西门街", "南门街", "北门街", "剑江路", "青年路", "朝阳路")  # fmt: skip
PLACE_CHARS = "新河坪坝场寨江桥山阳平安兴龙凤石沙塘溪岩关水田"
PRODUCER_PREFIXES = ("贵州", "黔南")

ADDRESS = {
    "street": "{county}{street}{number}号",
    "rural": "{county}{town}镇{village}村{group}组",
    "market": "{county}{short}{market}市场{block}栋{number}号",
    "park": "{county}{short}工业园区{zone}号",
    "cluster": "{county}{short}经济开发区{street}{number}号",
}
CONTACT = "{name} {phone}"

# What makes a spot-check sample of a category unqualified (检验不合格项目).
TEST_ITEMS: dict[str, tuple[str, ...]] = {
    "01": ("纯度", "标签和安全技术说明书"), "02": ("罐体厚度", "紧急切断装置"), "03": ("抗压强度", "安定性"),
    "04": ("导体电阻", "绝缘厚度"), "05": ("抗拉强度", "断后伸长率"), "06": ("破断拉力", "钢丝直径"),
    "07": ("冲击吸收性能", "耐穿刺性能"), "08": ("甲醛释放量", "胶合强度"), "09": ("防爆标志", "隔爆接合面"),
    "10": ("灭火剂主要成分含量", "喷射性能"), "11": ("硫含量", "蒸气压"), "12": ("拉伸负荷", "厚度"),
    "13": ("总养分", "有效磷含量"), "14": ("耐火性能", "外观质量"), "15": ("最高车速", "整车质量"),
    "16": ("输出过压保护", "电气安全"), "17": ("冲击吸收性能", "佩戴装置强度"), "18": ("熄火保护装置", "气密性"),
    "19": ("药量", "燃放性能"), "20": ("防破坏性能", "机械强度"), "21": ("泄漏电流", "渗透性能"),
    "22": ("可迁移元素", "锐利边缘"), "23": ("甲醇含量", "热值"), "24": ("放射性核素限量", "断裂荷载"),
}  # fmt: skip

# Hazard descriptions by problem code; {product}, {standard}, {item} are filled in.
PROBLEMS: dict[str, str] = {
    "P01": "未取得生产许可证擅自生产{product}",
    "P02": "{product}超出生产许可证许可范围生产",
    "P03": "{product}未经出厂检验即出厂销售",
    "P04": "{product}出厂检验记录不全，缺少{item}等项目的检验记录",
    "P05": "生产{product}时偷工减料，关键原材料用量低于工艺要求",
    "P06": "{product}生产过程中掺杂掺假、以次充好",
    "P07": "{product}的{item}不符合{standard}要求",
    "P08": "生产{product}的关键原材料和零部件未按规定进货查验，查验记录不全",
    "P09": "生产{product}的关键工序未按工艺文件控制，缺少过程记录",
    "P10": "生产场所或检验设备不符合规定，检验设备未按期检定校准",
    "P99": "生产{product}存在其他质量安全问题",
    "C01": "销售未取得生产许可证或未获强制性产品认证的{product}",
    "C02": "所售{product}的型号、关键零部件与认证证书或检验报告载明的不一致",
    "C03": "销售质量低劣、以次充好的{product}",
    "C04": "所售{product}的{item}不符合{standard}要求",
    "C05": "所售{product}无法提供进货票据等合法来源证明",
    "C06": "销售冒用他人厂名厂址或伪造认证标志的{product}",
    "C07": "未执行进货查验制度，未查验{product}供货者资质和产品合格证明",
    "C08": "未建立产品销售台账，{product}的进货来源和销售去向无记录",
    "C99": "所售{product}存在其他质量安全问题",
}
SPOT_HAZARD = "监督抽查（抽样单 {batch}）发现{what}"
SIGNAL_HAZARD = "风险信息核查属实：{what}"
ENFORCEMENT_HAZARD = "办理案件（{case}）中发现：{what}"
OTHER_HAZARD = "相关部门移交线索，经现场核实：{what}"

RISK_POINTS: dict[str, tuple[str, str]] = {
    "R-01": (
        "{product}关键原材料和零部件进货查验不到位，存在使用不合格原料的风险",
        "建立合格供方名录，逐批查验供货商资质和检验报告",
    ),
    "R-02": (
        "{product}关键工序参数控制不稳定，存在批次质量波动的风险",
        "关键工序设置质量控制点，每班记录工艺参数",
    ),
    "R-03": (
        "{product}出厂检验项目不全，存在不合格产品出厂的风险",
        "按产品标准逐批出厂检验，检验记录保存两年以上",
    ),
    "R-04": ("生产设备老化，存在影响{product}质量和生产安全的风险", "制定设备维护保养计划，每月点检"),
    "R-05": ("检验设备未按期检定校准，存在检验结果失准的风险", "建立检验设备台账，按期送检定校准"),
    "R-06": ("所售{product}供货渠道分散，存在销售来源不明产品的风险", "从正规渠道进货，索取并留存进货票据"),
    "R-07": (
        "所售{product}品牌杂乱，存在销售假冒伪劣产品的风险",
        "查验产品合格证明、认证标志，建立进货查验台账",
    ),
}
MAJOR_RISK = {
    "production": "{product}关键原材料检验设备损坏，近期批次未经有效检验即投入生产，存在批量不合格的重大风险",
    "circulation": "店内库存{product}来源不明且无合格证明，存在销售假冒伪劣产品的重大风险",
}
SELF_CHECK_NOTE = "已按要求开展主体责任落实情况自查，制定风险管控清单{n}项"
INSPECTION_NOTE = {True: "检查未发现问题", False: "发现问题{n}项，已当场告知并责令整改"}

SIGNALS: dict[str, str] = {
    "spot_check": "省级监督抽查通报：辖区销售的{product}抽检不合格（{clue}）",
    "licensing": "生产许可证后续核查发现{enterprise}生产条件发生变化（{clue}）",
    "enforcement": "执法打假中发现{enterprise}涉嫌销售假冒{product}（{clue}）",
    "recall": "{product}生产企业发布缺陷召回公告，涉及辖区销售批次（{clue}）",
    "complaint": "消费者投诉{enterprise}销售的{product}存在质量问题（{clue}）",
    "public_opinion": "网络舆情反映{where}销售的{product}存在安全隐患（{clue}）",
}
SIGNAL_SOMEWHERE = "{county}部分门店"
CLUE = "线索编号{short}FX{year}-{n:04d}"

# Case facts, by violation; {enterprise}, {product}, {county}, {month}, {what} are filled in.
CASE_FACTS: dict[str, str] = {
    "unlicensed": "{month}，{county}市场监管局执法人员检查发现，{enterprise}在未取得生产许可证的情况下擅自生产{product}。",
    "beyond_scope": "{month}，{county}市场监管局执法人员检查发现，{enterprise}超出生产许可证许可范围生产{product}。",
    "counterfeit": "{month}，{county}市场监管局执法人员检查发现，{enterprise}生产销售的{product}冒用他人厂名厂址。",
    "passing_off": "{month}，{county}市场监管局执法人员检查发现，{enterprise}在{product}中以次充好、以不合格产品冒充合格产品。",
    "knowingly_selling_fakes": "{month}，{county}市场监管局执法人员检查发现，{enterprise}明知是假冒{product}仍予以销售。",
    "mark_misuse": "{month}，{county}市场监管局执法人员检查发现，{enterprise}销售的{product}伪造、冒用强制性产品认证（3C）标志。",
    "substandard": "{month}，{county}市场监管局在监督抽查中发现，{enterprise}生产销售的{product}经检验不合格。",
    "other": "{month}，{county}市场监管局执法人员检查发现，{enterprise}{what}。",
}
CASE_TYPICAL = "经查，当事人违法事实清楚、证据确凿。该局依法作出行政处罚，并将案件作为典型案例向社会曝光，起到了震慑作用。"
REFUSED_FACT = "无正当理由拒绝监督抽查"
PENALTY = "没收违法产品{n}件，没收违法所得{gain}元，并处罚款{fine}元"
CASE_NO = "{short}市监处罚〔{year}〕{n}号"

# Document numbers use the county's one-character abbreviation (都市监、瓮市监…).
WRITTEN_REPORT_NO = "{short}市监报〔{year}〕{n}号"
WRITTEN_REPORT_NOTE = "{county}关于10月底前未完成整改隐患问题整改情况的报告（第{k}次）"
INSTRUMENT_NOTES = {
    "rectification_notice": "责令于{deadline}前完成整改",
    "reminder_letter": "提醒督促企业在{deadline}前完成整改并报送整改情况",
    "reminder_self_check": "提醒督促企业按要求开展主体责任落实情况自查并制定风险管控清单",
    "interview_notice": "通知企业负责人到局接受约谈",
    "listed_supervision_notice": "对隐患大、问题紧迫的风险挂牌督办，从严从速整治",
}
MOVE_NOTES = {
    "order": "下达整改通知书，限期至{deadline}",
    "rectify": "企业报送整改报告",
    "reinspect_passed": "复查合格",
    "reinspect_failed": "复查不合格，重新限期至{deadline}",
    "close": "隐患已整改到位，予以销号",
    "refuse": "企业逾期未整改，拒不落实整改要求",
    "interview": "约谈企业负责人，督促落实整改",
    "concentrated_action": "隐患大、问题紧迫，集中力量从严从速整治",
    "enforcement_sampling": "开展执法抽检",
    "joint_handling": "重大风险未采取管控措施或重大隐患拒不整改，联合应急管理、公安等部门依法处理",
    "upheld": "回头看：整改成效巩固",
    "reopened": "回头看：问题反弹，重新限期至{deadline}",
    "self_reported": "企业自查主动报告的重大风险",
    "measures": "企业已落实管控措施（停用相关设备、隔离问题产品）",
    "no_measures": "核实企业报告的重大风险：尚未采取管控措施",
}
INTERVIEW_REASONS = {
    "refused": "拒不整改或整改不到位：{what}",
    "repeat": "连续2次监督抽查不合格且存在重大质量安全隐患",
}
TRACING_NOTES = {
    "done": "{day} 办结：已核查，责令下架召回并整改",
    "passed_on": "{day} 由州局转办至{to}",
}
TRACING_RECIPIENT = "{to}市场监管局"
HELP_NOTES = {
    "quality_clinic": "组织技术专家开展一对一“质量问诊”，查找{product}质量问题原因",
    "quality_analysis": "对{product}质量问题开展质量分析，形成分析报告",
    "training": "参加{county}市场监管局组织的产品质量安全主体责任培训",
    "guidance_letter": "针对{product}抽查不合格，点对点送达整改指导意见书",
}
ONLINE_NOTE = "网络购样，平台店铺：{shop}"
ENFORCEMENT_SAMPLING_NOTE = "执法抽检"
PLAN_DOCUMENT = "关于印发《{county}{year}年重点工业产品质量安全隐患排查治理行动实施方案》的通知"
PLAN_NUMBER = "{short}市监发〔{year}〕{n}号"
PLAN_RESPONSIBLE = "{county}市场监管局局长（组长），分管副局长（副组长），质量发展股负责人（联络员）"
OVERSIGHT_NUMBER = "黔南市监督〔{year}〕{n}号"
OVERSIGHT_RESPONSE = "已召开专题会议研究整改，制定补短板措施，明确责任人和完成时限，按周报送进展"
OVERSIGHT_DUE_DAYS = 15
INTERVIEW_ATTENDEES = "{county}市场监管局分管副局长、质量股执法人员2名；企业法定代表人、质量安全总监"
INTERVIEW_COMMITMENTS = "限期完成整改并书面报告整改情况，落实日管控、周排查、月调度"
PUBLICITY_REF = "国家企业信用信息公示系统（贵州）行政处罚信息：{case}"
DECIDED_BY = "局长办公会"
LOCAL_REPORT = "{enterprise}隐患大、问题紧迫（{what}），已实施挂牌督办，报请当地党委政府协调推动整改"
NOT_LISTED_REASON = "经集体讨论，当事人属初次违法且危害后果轻微并及时改正，依法不予列入严重违法失信名单"
NOT_REVOKED_REASON = "经核查，当事人违法情节未达到撤销生产许可证的法定情形，依法不予撤销"
OVERSIGHT_REASONS = {
    "interview": "{county}自查覆盖率低、隐患整改销号进度滞后，重视不足、整治不力",
    "circular": "{county}隐患整改销号进度滞后",
    "listed_supervision": "{county}风险隐患比较集中，日常监管工作中发现问题较多",
}

SUMMARY_HEAD = "已生成演示行动数据（种子 {seed}，规模 {scale}）：{years} 年度，{counties} 个县（市），{categories} 类重点产品。"
SUMMARY_LINE = "  {label}：{count:,} 条"
DEMO_EXISTS = (
    "数据库中已有演示行动数据（种子 {seed}，规模 {scale}），未做任何修改；如需重新生成，请使用 --replace"
)
PROGRESS = {"enterprises": "登记企业", "records": "生成行动记录", "unit": "家企业"}
COVER_SCAN = "{county}报送材料封面（盖章）.pdf"
NEXT_YEAR = {
    "no_demo": "数据库中还没有演示行动数据：请先运行 hazard demo 生成2024年及上一年度的演示数据，再生成{year}年",
    "drawn": "数据库中已有{year}年的演示数据，未做任何修改",
    "not_after": "数据库中已有{latest}年度的记录，{year}年不在其后，未做任何修改；演示数据只能逐年往后生成",
}
NEXT_YEAR_SUMMARY = "已在演示数据之上生成{year}年行动数据（种子 {seed}）："
