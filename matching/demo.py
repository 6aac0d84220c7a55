"""Generated demo data: employers, job postings and seekers shaped as the API's create payloads.

Everything is drawn from an injected ``numpy.random.Generator``: the same seed and ``today`` give the
same data. Records are concentrated in a few cities (成都/温江, 淄博/淄川, 广州, 深圳, 东莞, 杭州, 金华,
郑州, 南阳, 南充) so that seekers and postings meet. Occupations come from a catalogue of sectors
weighted towards real labour-market demand; titles, duties and skills are built from each 细类's
definition and tasks in 职业分类大典 2022.

The casework plan (follow-up notes, 零就业家庭 labels, 就业援助 cases opened hours ago) is written by this
project for the demo: invented, like every person and posting here; contacts and cases belong to demo seekers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any

import numpy as np

from matching import refdata
from matching.enums import Education, FlagKind, FlagStatus, Hukou, Ownership, SizeClass, WorkType
from matching.identifiers import make_credit_code, make_id_number

CHINA_TZ = timezone(timedelta(hours=8))

# --- regions -------------------------------------------------------------------------------------

# City (4-digit) → share of records. 温江 and 淄川 are where the policy documents come from.
CITY_WEIGHTS: dict[str, float] = {
    "5101": 0.26, "3703": 0.17, "4401": 0.07, "4403": 0.07, "4419": 0.05,
    "3301": 0.08, "3307": 0.04, "4101": 0.10, "4113": 0.06, "5113": 0.06, "3302": 0.04,
}
HOME_COUNTIES = {"510115": 6.0, "370302": 6.0}
TIER1_CITIES = {"1101", "1201", "3101", "4401", "4403"}  # 北京/上海 listed as 1101/3101 in GB/T 2260
CAPITAL_CITIES = {"5101", "3701", "3301", "4101", "3201", "4201", "4301", "6101", "5001"}
# Monthly minimum wage (first band, yuan) by province; 深圳 sets its own.
MINIMUM_WAGE = {"51": 2100, "37": 2200, "44": 2300, "33": 2490, "41": 2100, "11": 2420, "31": 2690}
SHENZHEN_MINIMUM_WAGE = 2360
_NOT_COUNTIES = ("开发区", "示范区", "实验区", "新区")


def city_tier(county_code: str) -> int:
    """1 一线城市, 2 省会, 3 other city districts, 4 县 and 县级市."""
    county = refdata.counties()[county_code]
    if county.city_code in TIER1_CITIES or county.province_code in ("11", "31"):
        return 1
    if county.city_code in CAPITAL_CITIES and county.name.endswith("区"):
        return 2
    if county.name.endswith("区") or county.code == "441900":
        return 3
    return 4


TIER_MULTIPLIER = {1: 1.30, 2: 1.10, 3: 0.97, 4: 0.85}


def minimum_wage(county_code: str) -> int:
    county = refdata.counties()[county_code]
    base = SHENZHEN_MINIMUM_WAGE if county.city_code == "4403" else MINIMUM_WAGE.get(county.province_code, 2000)
    return base - (200 if city_tier(county_code) == 4 else 0)


# --- occupation catalogue ------------------------------------------------------------------------

# Salary bands: monthly yuan at a tier-3 city, before the city multiplier.
BANDS: dict[str, tuple[int, int]] = {
    "labour": (3800, 6000),  # 装卸, 包装, 分拣
    "operator": (4200, 7000),  # 普工, 流水线, 缝纫
    "skilled": (5000, 9000),  # 焊工, 电工, 数控, 司机, 建筑技工
    "service": (3000, 5000),  # 服务员, 保洁, 保安, 收银
    "care": (3800, 6500),  # 护工, 养老, 家政
    "cook": (4500, 8000),
    "sales": (4000, 9000),
    "office": (3800, 6000),
    "professional": (6000, 11000),  # 教师, 护士, 会计, 工程技术
    "it": (8000, 16000),
    "agri": (3300, 5800),
}
BLUE_BANDS = {"labour", "operator", "skilled", "service", "care", "cook", "agri"}


@dataclass(frozen=True)
class RoleTemplate:
    """One 细类 as it appears in postings: band, skills, certificate, colloquial description."""

    code: str
    band: str
    skills: tuple[str, ...]
    place: str  # where seekers say they did it: 电子厂
    work: str  # what they say they did: 插件、焊锡和装配
    titles: tuple[str, ...] = ()  # natural titles beyond the 大典 aliases
    cert: str = ""
    education: str = "low"  # low / mid / assoc / bach


@dataclass(frozen=True)
class Sector:
    key: str
    industry_codes: tuple[str, ...]
    suffixes: tuple[str, ...]
    roles: tuple[tuple[RoleTemplate, float], ...]
    weight: float
    room_board: float = 0.1
    ownership: tuple[tuple[str, float], ...] = (("private", 0.85), ("state", 0.08), ("foreign", 0.07))


def _r(code, band, skills, place, work, titles=(), cert="", education="low") -> RoleTemplate:
    return RoleTemplate(code, band, tuple(skills.split()), place, work, tuple(titles), cert, education)


FORKLIFT = _r("6-30-05-01", "skilled", "叉车 装卸 仓储 货物搬运", "物流园", "开叉车装卸货", ("叉车司机", "叉车工"), "持有叉车证（N1）")
WAREHOUSE = _r("4-02-06-01", "office", "仓储管理 出入库 盘点 ERP", "仓库", "管出入库、盘点、做账", ("仓管员", "仓库管理员"), education="mid")
QC = _r("6-31-03-05", "operator", "质量检验 来料检验 品质管理 卡尺", "工厂品质部", "检验产品、挑不良品、填检验单", ("质检员", "品检员", "QC"), education="mid")
PACKER = _r("6-31-05-00", "labour", "包装 打包 贴标", "厂里包装车间", "打包、封箱、贴标签", ("包装工", "包装普工", "打包员"))
CLEANER = _r("4-09-08-01", "service", "清洁 保洁 垃圾分类", "小区物业", "打扫卫生、拖地、倒垃圾", ("保洁员", "保洁阿姨", "清洁工"))
GUARD = _r("4-07-05-01", "service", "安保 巡逻 门岗 监控", "小区", "看大门、巡逻、看监控", ("保安员", "保安", "门岗保安"), "持保安员证优先")
ELECTRICIAN = _r("6-31-01-03", "skilled", "电工 电气维修 配电 线路安装", "工地和厂里", "接线、修电路、维护配电箱", ("电工", "水电工", "维修电工"), "持低压电工作业证")
WELDER = _r("6-18-02-04", "skilled", "电焊 氩弧焊 二保焊 焊接", "钢结构厂", "电焊、氩弧焊", ("焊工", "电焊工", "氩弧焊工"), "持焊工证（熔化焊接与热切割作业证）")
COOK = _r("4-03-02-01", "cook", "中餐烹饪 炒菜 刀工 配菜", "饭店后厨", "炒菜、配菜、切墩", ("厨师", "中餐厨师", "炒菜师傅", "配菜打荷"), "持健康证")
WAITER = _r("4-03-02-05", "service", "餐饮服务 点餐 传菜 收银", "火锅店", "点菜、传菜、收拾桌子", ("服务员", "餐厅服务员", "传菜员"), "持健康证")
CASHIER = _r("4-01-02-04", "service", "收银 POS机 点钞", "超市", "收银、对账", ("收银员",))
SHOP = _r("4-01-02-03", "service", "导购 商品陈列 销售", "商场专柜", "卖衣服、理货、招呼客人", ("营业员", "导购员", "店员"))
SORTER = _r("4-02-06-02", "labour", "分拣 理货 扫码 打包", "快递分拨中心", "分拣包裹、扫码、装车", ("分拣员", "理货员", "拣货员"))
SALES = _r("4-01-02-01", "sales", "销售 客户开发 谈判 市场推广", "公司", "跑业务、谈客户", ("销售专员", "销售代表", "业务员"), education="mid")
CARE = _r("4-14-01-02", "care", "生活照护 翻身拍背 鼻饲 陪护", "医院", "照顾病人吃喝拉撒、翻身", ("护工", "医院护工", "陪护"))
OLDCARE = _r("4-10-01-05", "care", "老年照护 生活照料 康复护理 消毒", "养老院", "照顾老人起居、喂饭、擦身", ("养老护理员", "养老院护工", "护理员"), "养老护理员职业技能等级证书优先")
COMMUNITY = _r("3-01-04-01", "office", "社区服务 政策宣传 入户走访 台账", "社区", "帮居民办事、入户走访、整理台账", ("社区工作者", "社区服务专员"), education="mid")
GREEN = _r("4-09-10-01", "service", "绿化养护 修剪 浇水 除草", "园林公司", "修剪花草、浇水、除草", ("绿化工", "绿化养护工"))
FACILITY = _r("6-31-01-10", "skilled", "设备维修 水电维修 公共设施维护", "物业", "修水管、换灯泡、维修设备", ("机电维修工", "物业维修工", "公共设施维护员"))

SECTORS: tuple[Sector, ...] = (
    Sector("electronics", ("3982", "3989", "3976", "3974", "3981"), ("电子科技有限公司", "电子有限公司", "光电科技有限公司"), (
        (_r("6-25-04-07", "operator", "插件 焊锡 装配 流水线作业", "电子厂", "插件、焊锡和装配", ("普工", "电子厂普工", "流水线操作工", "插件工")), 5.0),
        (_r("6-25-04-08", "operator", "电子调试 万用表 测试", "电子厂", "调试、测板子", ("调试员", "电子调试工")), 1.5),
        (QC, 2.0), (_r("4-08-05-07", "operator", "电子产品检验 外观检验 测试", "电子厂", "查外观、测性能", ("检验员",)), 1.0),
        (FORKLIFT, 0.8), (WAREHOUSE, 0.8), (PACKER, 1.0),
        (_r("2-02-09-02", "professional", "电路设计 元器件选型 PCB", "电子公司", "画电路、选元器件", ("电子工程师",), education="bach"), 0.5),
    ), 9.0, room_board=0.7),
    Sector("machinery", ("3670", "3484", "3499", "3311"), ("机械有限公司", "汽车零部件有限公司", "精密机械有限公司"), (
        (_r("6-18-01-07", "skilled", "数控车床 CNC 编程 看图纸", "机加工厂", "开数控机床、调程序", ("CNC操机员", "数控车床操作工", "数控技工")), 3.0),
        (WELDER, 3.0),
        (_r("6-20-01-01", "skilled", "钳工 装配 看图纸", "机械厂", "装配、钳工活", ("装配钳工", "钳工", "装配工")), 2.0),
        (_r("6-18-01-12", "operator", "冲压 折弯 钣金", "五金厂", "开冲床、折弯", ("冲压工", "冲床工", "钣金工")), 1.5),
        (_r("6-18-03-03", "operator", "喷涂 喷漆 打磨", "厂里喷涂车间", "喷漆、打磨", ("喷涂工", "油漆工", "喷塑工")), 1.0),
        (_r("6-22-01-01", "operator", "装配 流水线作业 拧螺丝", "汽车配件厂", "流水线上装配件", ("汽车生产线操作工", "普工", "装配普工")), 2.0),
        (QC, 1.5), (_r("6-31-01-02", "skilled", "设备维修 机修 保养", "厂里设备科", "修机器、做保养", ("机修工", "设备维修工")), 1.0),
        (FORKLIFT, 1.0),
        (_r("2-02-07-02", "professional", "机械设计 AutoCAD SolidWorks 工艺改进", "机械厂", "画图、做工艺", ("机械工程师", "工艺工程师"), education="bach"), 0.5),
        (_r("3-01-02-07", "office", "AutoCAD 机械制图 看图纸", "设计部", "用CAD画图", ("CAD制图员", "制图员"), education="assoc"), 0.4),
    ), 8.0, room_board=0.6),
    Sector("food", ("1432", "1419", "1353", "1352", "1371", "1399"), ("食品有限公司", "食品科技有限公司"), (
        (PACKER, 3.0),
        (_r("6-02-03-02", "operator", "速冻食品 包馅 食品加工", "食品厂", "包汤圆饺子、上速冻线", ("食品加工工", "速冻车间普工")), 2.0),
        (_r("6-01-04-01", "operator", "分割 屠宰 冷库作业", "屠宰场", "分割肉、上挂", ("分割工", "屠宰工")), 1.0),
        (_r("6-02-01-01", "operator", "烘焙 面包 蛋糕", "面包房", "做面包、烤蛋糕", ("烘焙师", "面包师")), 1.5),
        (_r("4-08-05-01", "operator", "食品检验 化验 抽样", "食品厂化验室", "抽样、化验", ("食品检验员", "化验员"), education="mid"), 1.0),
        (WAREHOUSE, 1.0),
        (_r("6-01-06-00", "operator", "果蔬加工 分拣 清洗", "果蔬加工厂", "挑拣、清洗、切配蔬菜", ("果蔬加工工", "蔬菜分拣工")), 1.0),
    ), 5.0, room_board=0.6),
    Sector("garment", ("1819", "1829", "1713", "1779"), ("服饰有限公司", "制衣有限公司", "纺织有限公司"), (
        (_r("6-05-01-03", "operator", "平车 缝纫 锁边 流水线作业", "服装厂", "踩平车、锁边", ("缝纫工", "平车工", "车工（服装）")), 5.0),
        (_r("6-05-01-04", "operator", "整烫 熨烫 后道", "服装厂", "烫衣服、整理后道", ("整烫工", "烫工")), 1.5),
        (_r("6-05-01-01", "skilled", "打版 制版 服装CAD", "服装厂版房", "打版、放码", ("制版师", "打版师", "样衣工")), 1.0),
        (QC, 1.0), (PACKER, 1.0),
    ), 5.0, room_board=0.7),
    Sector("ceramics_chemicals", ("3071", "3074", "2614", "2619", "3089"), ("陶瓷有限公司", "化工有限公司", "新材料有限公司"), (
        (_r("6-15-05-02", "operator", "成型 施釉 陶瓷", "陶瓷厂", "上釉、成型", ("施釉工", "成型工")), 2.0),
        (_r("6-15-05-03", "operator", "烧窑 窑炉 温控", "陶瓷厂", "看窑、烧窑", ("烧成工", "窑炉工")), 1.5),
        (_r("6-11-01-02", "operator", "化工操作 DCS 巡检", "化工厂", "看仪表、巡检、投料", ("化工操作工", "化工厂操作工")), 2.0),
        (_r("6-11-01-03", "skilled", "DCS 中控 化工工艺", "化工厂中控室", "中控室盯DCS", ("化工总控工", "中控操作员"), education="mid"), 1.0),
        (_r("6-31-03-01", "operator", "化验 滴定 色谱分析", "化验室", "做化验、出数据", ("化验员", "化学检验员"), education="mid"), 1.5),
        (FORKLIFT, 1.0), (ELECTRICIAN, 1.0), (PACKER, 1.0),
    ), 4.0, room_board=0.6, ownership=(("private", 0.7), ("state", 0.25), ("foreign", 0.05))),
    Sector("construction", ("4710", "4790", "4813", "4899", "5012", "5011"), ("建筑工程有限公司", "建设有限公司", "装饰工程有限公司"), (
        (_r("6-29-01-01", "skilled", "砌墙 抹灰 贴砖", "工地", "砌墙、抹灰", ("泥瓦工", "瓦工", "砌筑工")), 2.0),
        (_r("6-29-01-04", "skilled", "钢筋绑扎 钢筋下料 看图纸", "工地", "绑钢筋、下料", ("钢筋工",)), 2.0),
        (_r("6-29-01-03", "labour", "浇筑 振捣 混凝土", "工地", "打灰、振捣", ("混凝土工", "建筑小工", "工地小工")), 2.0),
        (_r("6-29-01-05", "skilled", "脚手架搭设 高空作业", "工地", "搭架子", ("架子工",), "持登高架设作业证"), 1.5),
        (_r("6-29-04-01", "skilled", "装修 刮腻子 贴砖 吊顶", "装修队", "刮大白、吊顶、贴砖", ("装修工", "装修师傅", "腻子工")), 2.0),
        (_r("6-29-02-08", "skilled", "防水 卷材 涂料", "工地", "刷防水、铺卷材", ("防水工",)), 1.0),
        (ELECTRICIAN, 1.5), (WELDER, 1.0),
        (_r("6-30-05-05", "skilled", "挖掘机 装载机 土方", "工地", "开挖机", ("挖掘机司机", "挖机师傅", "铲车司机"), "持挖掘机操作证"), 1.0),
        (_r("6-06-03-02", "skilled", "木工 支模 模板", "工地", "支模板", ("木工", "模板工")), 1.0),
        (_r("2-02-18-02", "professional", "施工管理 AutoCAD 工程预算 土建", "建筑公司", "管工地施工和资料", ("施工员", "土建工程师"), education="assoc"), 1.0),
    ), 9.0, room_board=0.8),
    Sector("logistics", ("5431", "5437", "5920", "6020", "5436"), ("物流有限公司", "供应链管理有限公司", "快递服务有限公司"), (
        (_r("4-02-02-02", "skilled", "货车驾驶 长途运输 配送", "物流公司", "开大货车跑长途", ("货车司机", "货运司机", "配送司机"), "持B2及以上驾驶证和道路运输从业资格证"), 3.0),
        (_r("4-02-07-08", "labour", "快递派送 揽收 电动车驾驶", "快递站", "送快递、揽件", ("快递员", "派件员")), 3.0),
        (_r("4-02-05-01", "labour", "装卸 搬运 装车", "物流园", "装车卸货、搬货", ("装卸工", "搬运工", "卸货工")), 2.5),
        (SORTER, 2.5), (WAREHOUSE, 1.5), (FORKLIFT, 2.0),
        (_r("4-10-08-01", "labour", "外卖配送 电动车驾驶 导航", "外卖平台", "骑电动车送外卖", ("外卖骑手", "配送员", "送餐员")), 2.0),
        (_r("4-02-02-05", "office", "车辆调度 排线 Excel", "物流公司", "排车、派单", ("调度员",), education="mid"), 0.5),
    ), 8.0, room_board=0.4),
    Sector("catering", ("6210", "6220", "6291", "6241"), ("餐饮管理有限公司", "火锅店", "餐饮有限公司"), (
        (COOK, 4.0), (WAITER, 4.0),
        (_r("4-03-02-02", "cook", "面点 包子 馒头 和面", "面馆", "包包子、擀面", ("面点师", "白案师傅")), 1.5),
        (CASHIER, 1.0),
        (_r("4-01-02-06", "sales", "门店管理 排班 成本控制", "连锁餐厅", "管门店、排班", ("店长", "门店店长"), education="mid"), 0.5),
        (_r("4-03-02-11", "office", "食品安全 台账 检查", "餐饮公司", "做食品安全检查", ("食品安全管理员",), education="mid"), 0.2),
    ), 10.0, room_board=0.7),
    Sector("hotel", ("6110", "6121"), ("酒店", "酒店管理有限公司"), (
        (_r("4-03-01-01", "service", "前台接待 入住登记 收银", "酒店", "在前台办入住退房", ("前台接待", "酒店前台")), 2.0),
        (_r("4-03-01-02", "service", "客房清洁 铺床 布草", "酒店", "做房、铺床、换布草", ("客房服务员", "客房清洁员")), 3.0),
        (WAITER, 1.0), (CLEANER, 1.0), (GUARD, 0.5),
    ), 3.0, room_board=0.5),
    Sector("retail", ("5212", "5211", "5219", "5299"), ("超市有限公司", "商贸有限公司", "购物中心"), (
        (SHOP, 3.0), (CASHIER, 2.5), (SORTER, 2.0), (SALES, 1.0),
        (_r("4-01-02-06", "sales", "门店管理 陈列 库存", "超市", "管门店、盘货", ("店长", "门店主管"), education="mid"), 0.5),
    ), 6.0),
    Sector("property", ("7020", "8211", "8219", "7271"), ("物业服务有限公司", "保洁服务有限公司", "保安服务有限公司"), (
        (CLEANER, 4.0), (GUARD, 4.0),
        (_r("4-06-01-01", "office", "物业管理 收费 客户服务", "物业公司", "收物业费、处理业主报修", ("物业管理员", "物业客服")), 1.0),
        (FACILITY, 1.0),
        (_r("4-07-05-03", "skilled", "消防控制室 消防设施 巡检", "商场", "值守消防控制室", ("消防控制室值班员", "消防设施操作员"), "持消防设施操作员证"), 1.0),
        (GREEN, 1.0),
    ), 6.0),
    Sector("elder_care", ("8514", "8521", "8512"), ("养老服务中心", "康养服务有限公司", "护理院"), (
        (OLDCARE, 4.0), (CARE, 2.0),
        (_r("2-05-08-05", "professional", "护理 输液 健康管理", "社区卫生服务中心", "打针、量血压", ("护士", "社区护士"), "持护士执业证书", "assoc"), 0.5),
        (COOK, 0.5), (CLEANER, 0.5),
    ), 4.0, room_board=0.6),
    Sector("hospital", ("8411", "8415", "8412"), ("医院", "中医医院", "妇幼保健院"), (
        (_r("2-05-08-01", "professional", "护理 静脉输液 病房管理", "医院", "病房护理、打针", ("护士", "病房护士"), "持护士执业证书", "assoc"), 3.0),
        (_r("2-05-08-04", "professional", "外科护理 手术配合", "医院", "外科病房护理", ("外科护士",), "持护士执业证书", "assoc"), 1.5),
        (_r("2-05-08-02", "professional", "儿科护理 静脉输液", "医院", "儿科打针护理", ("儿科护士",), "持护士执业证书", "assoc"), 1.0),
        (CARE, 2.0),
        (_r("2-05-06-01", "professional", "药品调剂 处方审核", "药房", "抓药、审处方", ("药师", "药剂师"), "持药师资格证", "assoc"), 1.0),
        (_r("2-05-07-04", "professional", "医学检验 生化 血常规", "检验科", "抽血化验", ("检验技师",), "持检验士资格证", "assoc"), 0.5),
        (_r("2-05-01-01", "professional", "内科诊疗 病历书写", "医院", "看门诊、查房", ("内科医生",), "持执业医师资格证", "bach"), 0.7),
    ), 3.0, ownership=(("public_institution", 0.7), ("private", 0.3))),
    Sector("domestic", ("8010",), ("家政服务有限公司", "家庭服务有限公司"), (
        (_r("4-10-01-06", "care", "家务 做饭 照顾老人 母婴护理", "雇主家", "做饭、打扫、带小孩", ("家政服务员", "保姆", "住家阿姨", "月嫂")), 5.0),
        (_r("4-10-01-03", "care", "育婴 早教 辅食", "托育中心", "带孩子、做辅食", ("育婴师", "保育员")), 2.0),
        (_r("4-09-08-01", "service", "保洁 家庭保洁 擦玻璃", "家政公司", "上门打扫卫生、擦玻璃", ("家政保洁", "保洁员", "钟点工")), 1.5),
    ), 3.0),
    Sector("ecommerce", ("5292", "6432"), ("电子商务有限公司", "网络科技有限公司", "文化传媒有限公司"), (
        (_r("4-01-06-02", "sales", "直播带货 短视频 抖音 话术", "直播间", "在抖音直播卖货", ("带货主播", "电商主播", "直播运营", "直播助理")), 3.0),
        (_r("4-01-06-01", "sales", "淘宝运营 店铺运营 数据分析 推广", "网店", "管淘宝店、上新、做推广", ("电商运营", "淘宝运营", "网店运营")), 3.0),
        (_r("4-04-05-03", "service", "在线客服 售后处理 打字", "网店", "在网上回复客户、处理售后", ("电商客服", "淘宝客服", "在线客服")), 2.5),
        (SORTER, 1.5),
        (_r("4-07-07-02", "office", "Photoshop 美工 主图设计", "网店", "做主图、修图", ("美工", "电商美工"), education="mid"), 1.0),
        (_r("4-13-01-05", "sales", "新媒体运营 短视频剪辑 文案", "传媒公司", "写文案、剪视频、运营账号", ("新媒体运营", "短视频运营"), education="assoc"), 1.0),
    ), 5.0),
    Sector("it", ("6513", "6511", "6531", "6540"), ("信息技术有限公司", "软件有限公司", "网络科技有限公司"), (
        (_r("4-04-05-01", "it", "Java Python 前端开发 MySQL", "软件公司", "写代码、做网站", ("程序员", "Java开发工程师", "前端开发工程师")), 3.0),
        (_r("2-02-10-03", "it", "软件开发 Java 数据库 Linux", "软件公司", "做后台开发", ("软件工程师", "后端开发工程师"), education="bach"), 3.0),
        (_r("4-04-05-02", "it", "软件测试 测试用例 自动化测试", "软件公司", "测软件、写测试用例", ("软件测试工程师", "测试员"), education="assoc"), 2.0),
        (_r("2-02-10-08", "it", "运维 Linux 网络设备 服务器", "机房", "管服务器、修网络", ("运维工程师", "IT运维"), education="assoc"), 1.5),
        (_r("2-02-10-04", "it", "网络工程 交换机 路由器", "网络公司", "配交换机路由器", ("网络工程师",), education="assoc"), 1.0),
        (_r("2-02-34-01", "it", "产品设计 需求分析 原型设计", "互联网公司", "写需求、画原型", ("产品经理", "产品助理"), education="bach"), 1.0),
    ), 4.0, ownership=(("private", 0.9), ("state", 0.05), ("foreign", 0.05))),
    Sector("education", ("8310", "8321", "8331", "8334", "8391", "8393"), ("学校", "幼儿园", "培训学校"), (
        (_r("2-08-02-04", "professional", "小学教学 班主任 课件制作", "学校", "教小学语文、当班主任", ("小学教师", "小学语文老师", "小学数学老师"), "持教师资格证", "bach"), 2.0),
        (_r("2-08-02-03", "professional", "初中教学 班主任 备课", "学校", "教初中", ("初中教师", "初中数学老师"), "持教师资格证", "bach"), 1.5),
        (_r("2-08-02-01", "professional", "高中教学 备课 辅导", "学校", "教高中", ("高中教师",), "持教师资格证", "bach"), 1.0),
        (_r("2-08-03-00", "professional", "幼儿教育 保教 手工 舞蹈", "幼儿园", "带班上课、组织游戏", ("幼儿园教师", "幼师"), "持幼儿园教师资格证", "assoc"), 2.0),
        (_r("4-10-01-03", "care", "保育 卫生消毒 生活照料", "幼儿园", "照顾小朋友吃饭睡觉", ("保育员",)), 1.0),
        (_r("4-07-03-05", "professional", "职业技能培训 授课 课程开发", "培训学校", "给学员上课", ("培训讲师", "职业培训师"), education="assoc"), 1.0),
    ), 4.0, ownership=(("public_institution", 0.5), ("private", 0.5))),
    Sector("auto_repair", ("8111",), ("汽车服务有限公司", "汽车维修有限公司"), (
        (_r("4-12-01-01", "skilled", "汽车维修 汽车保养 故障诊断 钣金喷漆", "汽修厂", "修车、换机油、做保养", ("汽车维修工", "汽修师傅", "汽修学徒", "洗车工")), 4.0),
        (_r("4-01-02-01", "sales", "汽车销售 客户接待 售后服务", "4S店", "接待客户、卖车", ("汽车服务顾问", "汽车销售顾问"), education="mid"), 1.0),
    ), 3.0),
    Sector("agriculture", ("0141", "0151", "0313", "0321", "0512", "0142", "0164"), ("农业开发有限公司", "农业专业合作社", "生态农业有限公司", "养殖场"), (
        (_r("5-01-02-01", "agri", "种植 大棚管理 施肥 病虫害防治", "大棚", "种菜、打药、施肥", ("大棚种植工", "农业工人", "种植工")), 2.0),
        (_r("5-01-02-02", "agri", "果树管理 采摘 修枝 嫁接", "果园", "修枝、摘果子", ("采摘工", "果园工人", "果树管理员")), 1.5),
        (_r("5-03-02-01", "agri", "生猪养殖 喂料 防疫 清栏", "养猪场", "喂猪、清粪、打疫苗", ("养猪场饲养员", "饲养员", "养殖工")), 2.0),
        (_r("5-03-02-02", "agri", "养鸡 喂料 捡蛋 防疫", "养鸡场", "喂鸡、捡蛋", ("养鸡场饲养员", "家禽饲养员")), 1.5),
        (_r("5-05-05-01", "skilled", "拖拉机 收割机 农机驾驶", "农机合作社", "开拖拉机、收割机", ("农机手", "农机驾驶员", "收割机司机"), "持拖拉机/联合收割机驾驶证"), 1.5),
        (_r("5-01-02-03", "agri", "食用菌种植 菌棒 采收", "菇棚", "码菌棒、采蘑菇", ("食用菌种植工", "蘑菇采收工")), 1.0),
        (_r("5-05-01-01", "professional", "农业技术推广 病虫害防治 测土配方", "农技站", "下地指导农户", ("农业技术员", "农技员"), education="assoc"), 0.7),
    ), 5.0, room_board=0.6, ownership=(("private", 0.9), ("other", 0.1))),
    Sector("finance_sales", ("6621", "6852", "7030", "7262"), ("银行支行", "保险代理有限公司", "房地产经纪有限公司", "人力资源有限公司"), (
        (_r("4-05-01-03", "sales", "理财产品 客户维护 柜面业务", "银行", "柜台办业务、卖理财", ("银行客户经理", "大堂经理"), education="bach"), 1.5),
        (_r("4-05-03-01", "sales", "保险销售 客户开发 电话销售", "保险公司", "卖保险、打电话约客户", ("保险代理人", "保险销售")), 2.0),
        (_r("4-06-02-01", "sales", "房产销售 带看 客户开发", "房产中介", "带客户看房", ("置业顾问", "房产经纪人")), 2.0),
        (_r("2-06-03-00", "professional", "会计核算 税务申报 Excel 财务软件", "公司财务部", "记账、报税", ("会计", "出纳", "财务专员"), "持初级会计职称", "assoc"), 1.0),
        (SALES, 2.0),
        (_r("4-07-03-04", "office", "招聘 员工关系 社保办理", "公司人事部", "招人、办社保", ("人事专员", "招聘专员"), education="assoc"), 0.5),
        (_r("3-01-02-02", "office", "办公软件 文档管理 接待", "公司办公室", "整理文件、接待来访", ("行政文员", "办公室文员", "行政助理"), education="assoc"), 0.5),
    ), 4.0),
    Sector("beauty", ("8040", "8053"), ("美容美发店", "养生馆", "美业有限公司"), (
        (_r("4-10-03-02", "service", "剪发 烫染 洗护", "理发店", "洗头、剪头发", ("美发师", "发型师", "美发助理")), 2.0),
        (_r("4-10-03-01", "service", "皮肤护理 美容 美甲", "美容院", "做面部护理", ("美容师", "美容顾问")), 2.0),
        (_r("4-10-04-02", "service", "按摩 推拿 足疗", "养生馆", "按摩、足疗", ("按摩师", "足疗技师", "推拿师")), 1.5),
    ), 2.0),
    Sector("public", ("9610", "9620", "7820", "7840", "7810"), ("街道办事处", "环境卫生管理所", "社区居民委员会", "市政设施管理所"), (
        (CLEANER, 3.0), (GUARD, 2.0), (GREEN, 2.0), (FACILITY, 1.0), (COMMUNITY, 2.0),
        (_r("3-01-04-02", "office", "网格巡查 信息采集 矛盾调解", "社区", "在网格里巡查、上门登记", ("网格员", "城市管理网格员"), education="mid"), 1.5),
        (_r("4-09-08-02", "labour", "垃圾清运 垃圾分类 驾驶", "环卫所", "收垃圾、清运", ("垃圾清运工", "环卫工")), 1.0),
        (_r("3-01-01-01", "office", "公文写作 办公软件 档案管理", "街道办", "写材料、整理档案", ("行政办事员", "综合办事员"), education="assoc"), 1.0),
    ), 6.0, ownership=(("public_institution", 1.0),)),
)

PUBLIC_WELFARE_CODES = {"4-09-08-01", "4-07-05-01", "4-09-10-01", "6-31-01-10", "3-01-04-01", "3-01-04-02", "4-09-08-02"}
EDUCATION_MIN = {"low": (("junior_middle", 0.6), (None, 0.3), ("senior_high", 0.1)),
                 "mid": (("senior_high", 0.7), ("junior_middle", 0.2), ("associate", 0.1)),
                 "assoc": (("associate", 0.75), ("bachelor", 0.2), ("senior_high", 0.05)),
                 "bach": (("bachelor", 0.85), ("master", 0.05), ("associate", 0.1))}
STREETS = ("人民路", "建设路", "工业大道", "光华大道", "新华街", "长江路", "黄河路", "迎宾大道", "科技园路", "凤凰路",
           "解放路", "和平路", "金马河路", "创业路", "开发区大道", "文化路", "中山路", "滨河路", "幸福路", "东风路")
BRANDS = ("鑫达", "恒通", "华宇", "盛源", "金诺", "瑞丰", "永兴", "宏远", "天成", "嘉禾", "润泽", "博远", "利民", "安泰",
          "佳美", "顺发", "鼎盛", "宏图", "锦程", "新意", "众合", "德润", "卓越", "同创", "美好", "福临", "兴旺", "汇丰",
          "俊杰", "蓝天", "青松", "百川", "远航", "欣欣", "诚信", "聚力", "益民", "华康", "一品", "好运")
PERKS_BLUE = ("包吃住", "五险", "月休4天", "加班费另算", "节日福利", "工资月结不拖欠", "有师傅带", "夜班补贴", "满勤奖")
PERKS_OFFICE = ("五险一金", "双休", "带薪年假", "绩效奖金", "节日福利", "定期培训", "年度体检")
SOFT_BLUE = ("吃苦耐劳", "服从安排", "身体健康", "能适应倒班", "责任心强", "手脚麻利")


def _pick(rng: np.random.Generator, items, weights=None):
    items = list(items)
    if weights is None:
        return items[int(rng.integers(0, len(items)))]
    p = np.asarray(weights, dtype=float)
    return items[int(rng.choice(len(items), p=p / p.sum()))]


def _chance(rng: np.random.Generator, p: float) -> bool:
    return bool(rng.random() < p)


def _round(value: float, step: int = 100) -> int:
    return int(round(value / step) * step)


@dataclass
class DemoData:
    """Create payloads, in insertion order. ``jobs[i]["employer_index"]`` points into ``employers``.

    ``seeker_occupation_codes[i]`` is the 细类 seeker ``i`` was built around (for evaluation; not a payload field).
    """

    employers: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    seekers: list[dict[str, Any]] = field(default_factory=list)
    seeker_occupation_codes: list[str] = field(default_factory=list)
    casework: CaseworkPlan | None = None  # follow-ups, assistance cases, households: a working office's month


# --- regions -------------------------------------------------------------------------------------


def _counties_by_city() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {c: [] for c in CITY_WEIGHTS}
    for county in refdata.counties().values():
        if county.city_code in out and not any(s in county.name for s in _NOT_COUNTIES):
            out[county.city_code].append(county.code)
    return out


def _pick_county(rng: np.random.Generator, by_city: dict[str, list[str]], *, rural: bool = False) -> str:
    city = _pick(rng, list(CITY_WEIGHTS), list(CITY_WEIGHTS.values()))
    codes = by_city[city]
    weights = [HOME_COUNTIES.get(c, 1.0) * (2.5 if rural and city_tier(c) == 4 else 1.0) for c in codes]
    return _pick(rng, codes, weights)


def _address(rng: np.random.Generator, county_code: str, sector: Sector) -> str:
    c = refdata.counties()[county_code]
    city = "" if c.city_name in ("市辖区", c.name) else c.city_name
    if sector.key == "agriculture":
        return f"{c.province_name}{city}{c.name}{_pick(rng, ('东', '西', '南', '北', '新'))}{_pick(rng, ('河', '坝', '沟', '桥', '岗'))}镇{_pick(rng, ('石桥', '杨柳', '桃园', '双河', '青龙', '柏树'))}村{int(rng.integers(1, 12))}组"
    if sector.key == "construction":
        return f"{c.province_name}{city}{c.name}{_pick(rng, STREETS)}{_pick(rng, BRANDS)}项目工地"
    return f"{c.province_name}{city}{c.name}{_pick(rng, STREETS)}{int(rng.integers(1, 999))}号"


# --- employers -----------------------------------------------------------------------------------


def _employer(rng: np.random.Generator, sector: Sector, county_code: str, used: set[str]) -> dict[str, Any] | None:
    """A new employer of the sector in the county, or None when the county has no unused name for one
    (a county has one 人社局; the caller picks another county)."""
    c = refdata.counties()[county_code]
    ownership = _pick(rng, [o for o, _ in sector.ownership], [w for _, w in sector.ownership])
    city_short = (c.city_name if c.city_name not in ("市辖区",) else c.province_name).removesuffix("市")
    suffix = _pick(rng, sector.suffixes)
    for _attempt in range(20):
        if sector.key == "public":
            street = f"{_pick(rng, BRANDS)}{_pick(rng, ('街道', '镇'))}"
            name = {"街道办事处": f"{c.name}{street}办事处", "社区居民委员会": f"{c.name}{street}{_pick(rng, BRANDS)}社区居民委员会"}.get(
                suffix, f"{c.name}{suffix}")
        elif sector.key in ("hospital", "education") and ownership == "public_institution":
            name = f"{c.name}{_pick(rng, ('第一', '第二', '第三', '人民', '实验', '中心'))}{suffix}"
        else:
            name = f"{city_short}{_pick(rng, BRANDS)}{_pick(rng, BRANDS)}{suffix}"
        if name not in used:
            used.add(name)
            break
    else:
        return None
    category = {"public": "11" if suffix == "街道办事处" else "12"}.get(sector.key, "12" if ownership == "public_institution" else "91")
    size = _pick(rng, list(SizeClass), [0.08, 0.22, 0.45, 0.25])
    if sector.key in ("domestic", "beauty", "auto_repair"):
        size = _pick(rng, [SizeClass.small, SizeClass.micro], [0.4, 0.6])
    return {
        "name": name,
        "credit_code": make_credit_code(rng, county_code, category=category),
        "industry_code": _pick(rng, sector.industry_codes),
        "size_class": size.value,
        "ownership": Ownership(ownership).value,
        "region_code": county_code,
        "is_demo": True,
    }


# --- jobs ----------------------------------------------------------------------------------------


def _natural_titles(role: RoleTemplate) -> list[str]:
    occ = refdata.occupations()[role.code]
    aliases = [a for a in occ.aliases if len(a) <= 10 and not any(x in a for x in ("/", "总监", "经理", "VP", "总裁", "主管"))]
    aliases = [a.rstrip("LS") if a.endswith(("L", "S")) and not a.isascii() else a for a in aliases]
    return list(dict.fromkeys([*role.titles, *aliases, occ.clean_name]))


def _title(rng: np.random.Generator, role: RoleTemplate, work_type: WorkType, county_code: str, headcount: int) -> str:
    base = _pick(rng, _natural_titles(role))
    if work_type in (WorkType.public_welfare, WorkType.internship) and role.titles:
        base = _pick(rng, role.titles)  # official postings use plain titles
    if work_type is WorkType.public_welfare:
        return f"公益性岗位-{base}"
    if work_type is WorkType.internship:
        return f"见习岗位-{base}"
    county = refdata.counties()[county_code].name
    patterns = (base, base, f"招聘{base}", f"急招{base}", f"{base}（{county}）", f"{base}{headcount}名",
                f"{base}-{_pick(rng, PERKS_BLUE if role.band in BLUE_BANDS else PERKS_OFFICE)}")
    if work_type is WorkType.part_time:
        return f"兼职{base}"
    if work_type is WorkType.seasonal:
        return f"季节工-{base}"
    return _pick(rng, patterns)


def _skills_for(role: RoleTemplate, rng: np.random.Generator) -> list[str]:
    occ = refdata.occupations()[role.code]
    text = occ.definition + "".join(occ.tasks)
    from_tasks = [p for p in _phrase_list() if len(p) >= 3 and p in text]
    picks = list(role.skills)
    n = int(rng.integers(2, len(picks) + 1))
    chosen = [picks[i] for i in sorted(rng.choice(len(picks), size=n, replace=False))]
    return list(dict.fromkeys(chosen + from_tasks[:2]))


@lru_cache(maxsize=1)
def _phrase_list() -> tuple[str, ...]:
    """拉勾 skill phrases, most frequent first."""
    freq = refdata.skill_phrases()
    return tuple(sorted(freq, key=lambda p: (-freq[p], p)))


def _description(rng: np.random.Generator, role: RoleTemplate, perks: list[str], work_type: WorkType) -> str:
    occ = refdata.occupations()[role.code]
    tasks = list(occ.tasks)
    k = min(len(tasks), int(rng.integers(3, 6)))
    start = int(rng.integers(0, max(1, len(tasks) - k + 1)))
    duties = tasks[start : start + k]
    lines = ["岗位职责："] + [f"{i}. {t}。" for i, t in enumerate(duties, 1)]
    if _chance(rng, 0.5):
        lines.insert(0, f"岗位简介：{occ.definition}")
    if work_type is WorkType.public_welfare:
        lines.append("本岗位为政府开发的公益性岗位，优先安置就业困难人员，按规定缴纳社会保险。")
    elif work_type is WorkType.internship:
        lines.append("本岗位为就业见习岗位，面向离校2年内未就业高校毕业生和16-24岁失业青年，见习期3-12个月，发放见习补贴。")
    if perks:
        lines.append("福利待遇：" + "，".join(perks) + "。")
    return "\n".join(lines)


def _requirements(rng: np.random.Generator, role: RoleTemplate, education: str | None, experience: int,
                  age: tuple[int, int] | None) -> str:
    edu_text = {None: "学历不限", "junior_middle": "初中及以上学历", "senior_high": "高中或中专及以上学历",
                "associate": "大专及以上学历", "bachelor": "本科及以上学历", "master": "硕士研究生及以上学历"}[education]
    parts = [edu_text]
    parts.append(f"{experience}年以上相关工作经验" if experience else _pick(rng, ("经验不限", "接受新手，有师傅带", "无经验可培训")))
    if age:
        parts.append(f"年龄{age[0]}-{age[1]}周岁")
    if role.cert:
        parts.append(role.cert)
    soft = SOFT_BLUE if role.band in BLUE_BANDS else tuple(p for p in _phrase_list()[:40] if p.endswith(("能力", "精神", "意识", "心强")))
    parts.extend(_pick(rng, soft) for _ in range(int(rng.integers(1, 3))))
    return "；".join(dict.fromkeys(parts)) + "。"


def _salary(rng: np.random.Generator, role: RoleTemplate, county_code: str, work_type: WorkType) -> tuple[int, int]:
    if work_type is WorkType.public_welfare:
        low = minimum_wage(county_code) + _round(rng.uniform(0, 300))
        return low, low + _round(rng.uniform(0, 500))
    if work_type is WorkType.internship:
        low = max(minimum_wage(county_code), _round(2200 * TIER_MULTIPLIER[city_tier(county_code)] + rng.uniform(0, 500)))
        return low, low + _round(rng.uniform(300, 1200))
    lo, hi = BANDS[role.band]
    m = TIER_MULTIPLIER[city_tier(county_code)]
    if work_type is WorkType.part_time:
        m *= 0.5
    low = _round(rng.uniform(lo, (lo + hi) / 2) * m)
    high = _round(min(low + rng.uniform(800, 0.45 * (hi - lo) + 1200), hi * m * 1.3), 500)
    low = max(low, minimum_wage(county_code) if work_type is not WorkType.part_time else 1000)
    return low, max(high, low)


def _work_type(rng: np.random.Generator, sector: Sector, role: RoleTemplate) -> WorkType:
    if sector.key == "public" and role.code in PUBLIC_WELFARE_CODES and _chance(rng, 0.85):
        return WorkType.public_welfare
    if role.education in ("assoc", "bach") or role.band in ("office",):
        if _chance(rng, 0.12):
            return WorkType.internship
    r = rng.random()
    if sector.key == "agriculture" and r < 0.3:
        return WorkType.seasonal
    if sector.key in ("food", "logistics") and r < 0.06:
        return WorkType.seasonal
    if sector.key in ("catering", "retail", "domestic", "beauty", "ecommerce") and r < 0.12:
        return WorkType.part_time
    if sector.key in ("logistics", "domestic", "ecommerce") and r < 0.25:
        return WorkType.flexible
    if r < 0.03:
        return WorkType.part_time
    return WorkType.full_time


def _job(rng: np.random.Generator, employer_index: int, employer: dict[str, Any], sector: Sector,
         by_city: dict[str, list[str]], today: date) -> dict[str, Any]:
    role = _pick(rng, [r for r, _ in sector.roles], [w for _, w in sector.roles])
    region = employer["region_code"]
    if _chance(rng, 0.2):
        region = _pick(rng, by_city.get(region[:4], [region]) or [region])
    work_type = _work_type(rng, sector, role)
    blue = role.band in BLUE_BANDS
    headcount = int(rng.integers(1, 31)) if blue and _chance(rng, 0.6) else int(rng.integers(1, 4))
    education = _pick(rng, [e for e, _ in EDUCATION_MIN[role.education]], [w for _, w in EDUCATION_MIN[role.education]])
    if work_type is WorkType.internship:
        education = education if education in ("associate", "bachelor", "master") else "associate"
    experience = 0 if work_type is WorkType.internship else int(_pick(rng, [0, 1, 2, 3, 5], [0.4, 0.25, 0.15, 0.12, 0.08]))
    age = None
    if _chance(rng, 0.35):
        age = (18, int(_pick(rng, [35, 40, 45, 50, 55]))) if blue else (int(_pick(rng, [18, 20, 22])), int(_pick(rng, [30, 35, 40])))
        if role.code in ("4-09-08-01", "4-07-05-01", "4-10-01-06", "4-09-10-01"):
            age = (18, int(_pick(rng, [55, 58, 60])))
        if work_type is WorkType.internship:
            age = (16, 24) if _chance(rng, 0.3) else (18, 30)
    room_board = blue and _chance(rng, sector.room_board)
    perks = [p for p in (PERKS_BLUE if blue else PERKS_OFFICE) if _chance(rng, 0.35) and p != "包吃住"]
    if room_board:
        perks.insert(0, "包吃住")
    salary_min, salary_max = _salary(rng, role, region, work_type)
    return {
        "employer_index": employer_index,
        "title": _title(rng, role, work_type, region, headcount),
        "description": _description(rng, role, perks, work_type),
        "requirements": _requirements(rng, role, education, experience, age),
        "skills": _skills_for(role, rng),
        "occupation_code": role.code,
        "region_code": region,
        "address": _address(rng, region, sector),
        "salary_min": salary_min,
        "salary_max": salary_max,
        "education_min": education,
        "experience_years": experience,
        "age_min": age[0] if age else None,
        "age_max": age[1] if age else None,
        "work_type": work_type.value,
        "headcount": headcount,
        "room_board": room_board,
        "valid_until": (today + timedelta(days=int(rng.integers(10, 91)))).isoformat(),
        "is_demo": True,
    }


# --- seekers -------------------------------------------------------------------------------------

SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
            "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于",
            "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆",
            "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛")
SURNAME_WEIGHTS = tuple(1.0 / (i + 8) for i in range(len(SURNAMES)))
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建文志国峰亮成东海兵振晨博文昊轩"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英红燕萍琳雪梅莉倩婷慧颖洁晶琴云蓉佳悦欣怡雨露瑶媛丹蕾月凤兰"
MAJORS = {
    "it": ("计算机科学与技术", "软件技术", "软件工程", "计算机应用技术", "网络工程"),
    "nurse": ("护理", "护理学", "助产"),
    "teacher": ("小学教育", "汉语言文学", "数学与应用数学", "学前教育", "英语"),
    "finance": ("会计学", "大数据与会计", "财务管理", "金融学"),
    "engineering": ("机械制造与自动化", "机电一体化技术", "电气自动化技术", "土木工程", "建筑工程技术"),
    "ecommerce": ("电子商务", "市场营销", "网络营销与直播电商"),
    "general": ("工商管理", "行政管理", "汉语言文学", "人力资源管理", "物流管理", "旅游管理", "社会工作"),
}
FLAG_SHARES = {
    FlagKind.graduate: 0.25, FlagKind.rural_migrant: 0.25, FlagKind.hard_to_employ: 0.08, FlagKind.veteran: 0.03,
    FlagKind.disabled: 0.02, FlagKind.poverty_alleviated: 0.05, FlagKind.zero_employment_household: 0.02,
    FlagKind.long_term_unemployed: 0.06,
}
FLAG_EVIDENCE = {
    FlagKind.graduate: "学信网学历证书电子注册备案表",
    FlagKind.rural_migrant: "农村户籍，村委会出具外出务工证明",
    FlagKind.hard_to_employ: "街道社保所就业困难人员认定",
    FlagKind.veteran: "退役军人优待证",
    FlagKind.disabled: "第二代残疾人证",
    FlagKind.poverty_alleviated: "乡镇核实的脱贫户档案",
    FlagKind.zero_employment_household: "社区零就业家庭认定表",
    FlagKind.long_term_unemployed: "失业登记满12个月（公共就业服务系统）",
}
EXPERIENCE_TEMPLATES = (
    "在{place}干了{n}年，主要是{work}。",
    "之前在{place}上班，做{work}，干了{n}年多。",
    "有{n}年{place}的经验，平时就是{work}。",
    "{place}做过{n}年，{work}都会。",
    "以前在老家{place}帮忙{work}，前后{n}年。",
)
INTRO_TEMPLATES = (
    "本人{trait}，希望找一份{want}的工作，{extra}。",
    "{trait}，{extra}，想找{want}方面的活。",
    "性格{trait2}，{extra}。",
)
TRAITS = ("吃苦耐劳", "踏实肯干", "做事认真", "能吃苦", "服从安排", "学东西快", "有责任心")
TRAITS2 = ("开朗", "细心", "稳重", "热情", "踏实")


def _sector_for_seeker(rng: np.random.Generator, education: str) -> tuple[Sector, RoleTemplate]:
    allowed = {"junior_middle": ("low",), "senior_high": ("low", "mid"), "associate": ("low", "mid", "assoc"),
               "bachelor": ("mid", "assoc", "bach"), "master": ("assoc", "bach"), "doctorate": ("bach",)}[education]
    options = [(s, r, s.weight * w) for s in SECTORS for r, w in s.roles if r.education in allowed]
    s, r, _ = _pick(rng, options, [w for *_, w in options])
    return s, r


def _major(role: RoleTemplate, sector: Sector, rng: np.random.Generator) -> str:
    key = {"it": "it", "hospital": "nurse", "elder_care": "nurse", "education": "teacher", "finance_sales": "finance",
           "machinery": "engineering", "construction": "engineering", "electronics": "engineering",
           "ecommerce": "ecommerce"}.get(sector.key, "general")
    if role.code == "2-06-03-00":
        key = "finance"
    return _pick(rng, MAJORS[key])


def _birth_date(rng: np.random.Generator, today: date, age: int) -> date:
    try:
        anchor = today.replace(year=today.year - age)
    except ValueError:  # 29 February
        anchor = today.replace(year=today.year - age, day=28)
    return anchor - timedelta(days=int(rng.integers(1, 365)))


def _phone(rng: np.random.Generator, used: set[str]) -> str:
    prefixes = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157",
                "158", "159", "166", "173", "176", "177", "180", "181", "182", "183", "186", "187", "188", "189", "198", "199")
    while True:
        phone = _pick(rng, prefixes) + f"{int(rng.integers(0, 10**8)):08d}"
        if phone not in used:
            used.add(phone)
            return phone


def _flags(rng: np.random.Generator, kinds: list[FlagKind], today: date) -> list[dict[str, Any]]:
    out = []
    for kind in kinds:
        status = _pick(rng, list(FlagStatus), [0.2, 0.7, 0.05, 0.05])  # self_declared, verified, rejected, expired
        expires = None
        if status is FlagStatus.verified:
            expires = today + timedelta(days=int(rng.integers(180, 731)))
        elif status is FlagStatus.expired:
            expires = today - timedelta(days=int(rng.integers(1, 200)))
        out.append({
            "kind": kind.value,
            "status": status.value,
            "evidence_note": FLAG_EVIDENCE[kind] if status is not FlagStatus.self_declared else "本人申报",
            "expires_at": datetime.combine(expires, time(23, 59, 59), CHINA_TZ).isoformat() if expires else None,
        })
    return out


def _seeker(rng: np.random.Generator, by_city: dict[str, list[str]], today: date, used_ids: set[str],
            used_phones: set[str]) -> tuple[dict[str, Any], str]:
    kinds: list[FlagKind] = []
    graduate = _chance(rng, FLAG_SHARES[FlagKind.graduate])
    rest = 1 - FLAG_SHARES[FlagKind.graduate]
    if graduate:
        kinds.append(FlagKind.graduate)
    else:
        for kind in (FlagKind.rural_migrant, FlagKind.hard_to_employ, FlagKind.veteran, FlagKind.disabled,
                     FlagKind.poverty_alleviated, FlagKind.zero_employment_household, FlagKind.long_term_unemployed):
            if _chance(rng, FLAG_SHARES[kind] / rest):
                kinds.append(kind)
    rural = FlagKind.rural_migrant in kinds or FlagKind.poverty_alleviated in kinds or (
        FlagKind.zero_employment_household not in kinds and _chance(rng, 0.3))
    region = _pick_county(rng, by_city, rural=rural)
    gender = "male" if _chance(rng, 0.9 if FlagKind.veteran in kinds else 0.52) else "female"

    if graduate:
        age = int(rng.integers(20, 27))
        education = _pick(rng, ["associate", "bachelor", "master"], [0.45, 0.48, 0.07])
    else:
        low, high = (22, 45) if FlagKind.veteran in kinds else (18, 61)
        if FlagKind.hard_to_employ in kinds or FlagKind.long_term_unemployed in kinds:
            low = 35
        age = int(rng.integers(low, high))
        young = age < 35
        education = _pick(rng, ["junior_middle", "senior_high", "associate", "bachelor"],
                          [0.25, 0.35, 0.22, 0.18] if young else [0.5, 0.32, 0.12, 0.06])
        if rural and education in ("bachelor", "master"):
            education = "associate" if _chance(rng, 0.5) else "senior_high"
    birth = _birth_date(rng, today, age)
    sector, role = _sector_for_seeker(rng, education)

    while True:
        number = make_id_number(rng, region, birth, gender)
        if number not in used_ids:
            used_ids.add(number)
            break
    surname = _pick(rng, SURNAMES, SURNAME_WEIGHTS)
    pool = GIVEN_MALE if gender == "male" else GIVEN_FEMALE
    given = "".join(_pick(rng, pool) for _ in range(2 if _chance(rng, 0.8) else 1))

    years_working = max(0, age - (22 if education in ("associate", "bachelor", "master") else 18))
    n_years = 0 if graduate else int(min(years_working, rng.integers(1, 11)))
    major = graduation = ""
    if education in ("associate", "bachelor", "master"):
        major = _major(role, sector, rng)
        study_end_age = {"associate": 21, "bachelor": 22, "master": 25}[education]
        if graduate:
            year = today.year - int(rng.integers(0, 2)) + (1 if today.month > 6 and _chance(rng, 0.15) else 0)
        else:
            year = birth.year + study_end_age + int(rng.integers(0, 2))
        graduation = date(min(year, today.year + 1), 6, 30)
        if graduation <= birth:
            graduation = date(birth.year + study_end_age, 6, 30)

    occ = refdata.occupations()[role.code]
    if graduate:
        experience = "" if _chance(rng, 0.4) else f"在校期间在{role.place}实习过{int(rng.integers(2, 7))}个月，{role.work}。"
    elif n_years:
        experience = _pick(rng, EXPERIENCE_TEMPLATES).format(place=role.place, n=_chinese_number(n_years), work=role.work)
        if _chance(rng, 0.3):
            other_sector, other_role = _sector_for_seeker(rng, education)
            experience += f"更早还在{other_role.place}{other_role.work}过一段时间。"
    else:
        experience = ""
    desired_names = [_pick(rng, _natural_titles(role))]
    if _chance(rng, 0.4):
        neighbours = [r for r, _ in sector.roles if r.code != role.code and r.education == role.education]
        if neighbours:
            desired_names.append(_pick(rng, _natural_titles(_pick(rng, neighbours))))
    if _chance(rng, 0.15):
        desired_names.append(occ.clean_name)
    desired_names = list(dict.fromkeys(desired_names))

    willing = _chance(rng, 0.45 if FlagKind.rural_migrant in kinds else 0.2)
    regions = [region if _chance(rng, 0.4) else region[:4]]
    if willing:
        regions.append(_pick(rng, [c for c in CITY_WEIGHTS if c != region[:4]]))
    if _chance(rng, 0.1):
        regions.append(region[:2])
    regions = list(dict.fromkeys(regions))

    work_types = [WorkType.full_time.value]
    if FlagKind.hard_to_employ in kinds or FlagKind.disabled in kinds or FlagKind.zero_employment_household in kinds:
        if _chance(rng, 0.6):
            work_types.append(WorkType.public_welfare.value)
    if graduate and _chance(rng, 0.35):
        work_types.append(WorkType.internship.value)
    if _chance(rng, 0.12):
        work_types.append(_pick(rng, [WorkType.part_time.value, WorkType.flexible.value, WorkType.seasonal.value]))

    lo, _hi = BANDS[role.band]
    desired_salary = _round(lo * TIER_MULTIPLIER[city_tier(region)] * rng.uniform(0.85, 1.25), 500)

    unemployment = None
    if FlagKind.long_term_unemployed in kinds:
        unemployment = today - timedelta(days=int(rng.integers(366, 900)))
    elif FlagKind.hard_to_employ in kinds or _chance(rng, 0.2):
        unemployment = today - timedelta(days=int(rng.integers(10, 360)))

    extra = _pick(rng, ("离家近一点最好", "能包吃住更好", "可以接受倒班", "工资按时发就行", "希望有五险",
                        "孩子上学了想出来上班", "刚从外地回来", "想学点技术"))
    intro = _pick(rng, INTRO_TEMPLATES).format(trait=_pick(rng, TRAITS), trait2=_pick(rng, TRAITS2),
                                               want=desired_names[0], extra=extra)
    skills = list(role.skills[: int(rng.integers(1, len(role.skills) + 1))]) if (n_years or graduate) else []
    payload = {
        "name": surname + given,
        "id_number": number,
        "phone": _phone(rng, used_phones),
        "region_code": region,
        "education": Education(education).value,
        "major": major,
        "graduation_date": graduation.isoformat() if graduation else None,
        "skills": skills,
        "experience": experience,
        "experience_years": n_years,
        "self_intro": intro,
        "desired_occupations": desired_names,
        "desired_regions": regions,
        "desired_salary_min": desired_salary,
        "desired_work_types": list(dict.fromkeys(work_types)),
        "willing_to_relocate": willing,
        "hukou": (Hukou.rural if rural else Hukou.urban).value,
        "unemployment_registered_at": unemployment.isoformat() if unemployment else None,
        "consent_to_share": _chance(rng, 0.9),
        "flags": _flags(rng, kinds, today),
        "is_demo": True,
    }
    return payload, role.code


def _chinese_number(n: int) -> str:
    digits = "零一两三四五六七八九十"
    return digits[n] if n <= 10 else str(n)


# --- casework: a working office ------------------------------------------------------------------

CONTACT_NOTES = (
    ("phone", ("job_introduction",), "电话联系，本人仍在找工作，推荐了两个附近岗位", "下周回访面试结果"),
    ("in_person", ("career_guidance", "job_introduction"), "来访面谈，帮助修改求职意向", "推荐招聘会"),
    ("visit", ("policy_referral",), "上门走访，讲解灵活就业社保补贴政策", "协助准备申请材料"),
    ("phone", ("training_referral",), "电话联系，有意参加技能培训", "报名下期培训班"),
    ("online", ("job_introduction",), "微信推送岗位信息，本人已查看", "跟进投递情况"),
    ("in_person", ("entrepreneurship",), "咨询创业担保贷款", "转介创业服务窗口"),
)
# Hours since a demo 就业援助 case was opened, so the first look shows every state of the 48-hour clock:
# under the 12-hour warning, overdue twice over (督办 分管领导), plenty of time, overdue (科室负责人) — in that order,
# so a city with only three cases still shows each kind.
ASSISTANCE_AGES_HOURS = (44, 110, 2, 60, 20, 39)


@dataclass
class CaseworkPlan:
    """What the demo office has done, by index into ``DemoData.seekers`` (the seed maps them to records):
    follow-up contacts (跟踪服务), 就业援助 cases opened some hours ago, and 零就业家庭."""

    contacts: list[dict[str, Any]] = field(default_factory=list)  # seeker, contacted_on, channel, services, notes…
    assistance: list[dict[str, Any]] = field(default_factory=list)  # seeker, hours_ago
    households: list[dict[str, Any]] = field(default_factory=list)  # members, region_code, label, identified_on


def _verified(payload: dict[str, Any], kind: FlagKind) -> bool:
    return any(f["kind"] == kind.value and f["status"] == FlagStatus.verified.value for f in payload["flags"])


def casework_plan(rng: np.random.Generator, seekers: list[dict[str, Any]], today: date) -> CaseworkPlan:
    """About half of the registered unemployed followed up (some within the month, some not), the verified
    hard-to-employ and zero-employment-household seekers of each city on the clock, their households recorded."""
    plan = CaseworkPlan()
    for i, s in enumerate(seekers):
        if not s["unemployment_registered_at"] or not _chance(rng, 0.55):
            continue
        registered = date.fromisoformat(s["unemployment_registered_at"])
        days = (today - registered).days
        for _ in range(int(rng.integers(1, 4))):
            channel, services, notes, next_step = _pick(rng, CONTACT_NOTES)
            plan.contacts.append({"seeker": i, "contacted_on": (registered + timedelta(
                days=int(rng.integers(0, days + 1)))).isoformat(), "channel": channel, "services": list(services),
                "notes": notes, "next_step": next_step})
    zero = [i for i, s in enumerate(seekers) if _verified(s, FlagKind.zero_employment_household)]
    by_county: dict[str, list[int]] = {}
    for i in zero:
        by_county.setdefault(seekers[i]["region_code"], []).append(i)
    for county, members in sorted(by_county.items()):
        while members:
            group, members = members[:2], members[2:]  # two registered members of one county: one household
            street, number = _pick(rng, STREETS), int(rng.integers(1, 200))
            identified = today - timedelta(days=int(rng.integers(20, 300)))
            plan.households.append({"members": group, "region_code": county, "identified_on": identified.isoformat(),
                                    "label": f"{seekers[group[0]]['name']}家（{street}{number}号）"})
    on_clock = [i for i, s in enumerate(seekers) if _verified(s, FlagKind.hard_to_employ)] + zero
    by_city: dict[str, list[int]] = {}
    for i in dict.fromkeys(on_clock):
        by_city.setdefault(seekers[i]["region_code"][:4], []).append(i)
    for city, people in sorted(by_city.items()):
        for n, i in enumerate(people[:len(ASSISTANCE_AGES_HOURS)]):
            plan.assistance.append({"seeker": i, "hours_ago": ASSISTANCE_AGES_HOURS[n]})
    return plan


# --- entry point ---------------------------------------------------------------------------------


def generate_demo(rng: np.random.Generator, *, n_employers: int = 200, n_jobs: int = 2000, n_seekers: int = 500,
                  today: date) -> DemoData:
    """Employers, job postings and seekers as API create payloads, deterministic for a seeded ``rng``."""
    by_city = _counties_by_city()
    data = DemoData()
    sectors: list[Sector] = []
    names: set[str] = set()
    codes: set[str] = set()
    for i in range(n_employers):
        # Every sector appears once before weights take over, so small demos still cover them.
        sector = SECTORS[i] if i < len(SECTORS) else _pick(rng, SECTORS, [s.weight for s in SECTORS])
        employer = None
        while employer is None:
            county = _pick_county(rng, by_city, rural=sector.key == "agriculture")
            employer = _employer(rng, sector, county, names)
        while employer["credit_code"] in codes:
            employer["credit_code"] = make_credit_code(rng, county, category=employer["credit_code"][:2])
        codes.add(employer["credit_code"])
        data.employers.append(employer)
        sectors.append(sector)
    if n_employers:
        size_weight = {"large": 6.0, "medium": 3.0, "small": 1.5, "micro": 0.7}
        weights = [size_weight[e["size_class"]] * sectors[i].weight for i, e in enumerate(data.employers)]
        for _ in range(n_jobs):
            i = _pick(rng, range(n_employers), weights)
            data.jobs.append(_job(rng, i, data.employers[i], sectors[i], by_city, today))
    used_ids: set[str] = set()
    used_phones: set[str] = set()
    for _ in range(n_seekers):
        payload, code = _seeker(rng, by_city, today, used_ids, used_phones)
        data.seekers.append(payload)
        data.seeker_occupation_codes.append(code)
    data.casework = casework_plan(rng, data.seekers, today)  # drawn last: the records above do not change
    return data
