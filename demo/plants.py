"""The three fully drawn demo plants: layouts in local metres, georeferenced onto the city.

1. 常州华铝铝业有限公司 (有色): aluminium melting and deep-well casting, extrusion.
2. 常州精研五金制品有限公司 (机械): polishing aluminium/magnesium parts with explosive dust.
3. 常州化联危险化学品仓储有限公司 (危险化学品): warehouses and a tank farm that is a 重大危险源.

Each layout is drawn like a site plan (x east, y north, origin at the south-west corner, metres)
and placed in an azimuthal-equidistant projection centred on a point chosen inside a grid of the
named town, then rotated. Names, people and layouts are fictional; hazards, measures and grading
follow Shandong guide (第七条 直接判定, 附件1 columns) and docs/domain.md. Dates are relative to the fixed
:data:`REFERENCE_DATE`, so every load is identical.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import shapely

from demo.enterprises import REFERENCE_DATE, AreaRec, EnterpriseRec, People, SourceRec, UsccMaker, landline
from demo.geo import Frame, Occupancy, metres_to_deg, on_land, random_points_in
from demo.names import mobile, person
from demo.regions import Region
from demo.risks import KIND, PERIOD, TIER, Risk
from layers.assessment import Profile, assess
from layers.levels import Level

CST = dt.timezone(dt.timedelta(hours=8), "CST")
#: room to keep between a drawn plant and its grid's edge
EDGE_M = 60.0


@dataclass(frozen=True)
class Hazard:
    """A hidden hazard (隐患); days are relative to REFERENCE_DATE (negative = before it)."""

    area: str
    description: str
    grade: str
    status: str
    found: int
    deadline: int
    xy: tuple[float, float]
    measures: str | None = None
    funds: float | None = None
    plan: str | None = None
    rectifier: str | None = None
    verified_by: str | None = None
    verify_result: str | None = None


@dataclass(frozen=True)
class PlantRisk:
    area: str
    name: str
    factors: str
    accident: int
    causes: str
    consequences: str
    method: str
    inputs: dict
    residual: dict | None      # residual inputs (LEC/LS); None for 直接判定 (the level stands)
    check: str
    measures: str              # ';'-separated, each starting with its kind: 消替工管防应


@dataclass(frozen=True)
class Plant:
    name: str
    industry: str
    scale: str
    employees: int
    district: str
    town: str
    angle: float
    size: tuple[float, float]
    gate: tuple[float, float]
    # (code, name, kind, (x, y, w, h), headcount, equipment, activities); parent = code before '-'
    areas: tuple[tuple, ...]
    risks: tuple[PlantRisk, ...]
    hazards: tuple[Hazard, ...]
    source: dict | None = None
    cluster: str = "工业园"
    people: dict = field(default_factory=dict)
    # emergency resources inside the fence: (kind, name, (x, y), capacity); a shelter is the plant's
    # 应急集合点 (the maps draw it so), a depot its 微型消防站/应急物资柜
    emergency: tuple[tuple, ...] = ()


def R(area, name, factors, accident, causes, consequences, method, inputs, residual, check, measures) -> PlantRisk:
    return PlantRisk(area, name, factors, accident, causes, consequences, method, inputs, residual, check, measures)


def LEC(L, E, C) -> dict:
    return {"L": L, "E": E, "C": C}


def LS(L, S) -> dict:
    return {"L": L, "S": S}


def explosive_site(workers: int) -> dict:
    """直接判定 inputs: a site with poisoning/explosion/fire hazards and ``workers`` at a time."""
    return {"toxic_explosive_fire": True, "simultaneous_workers": workers}


MAJOR_SOURCE = {"major_hazard_source": True}

ALUMINIUM = Plant(
    "常州华铝铝业有限公司", "nonferrous", "medium", 420, "320412", "横林镇", 8.0, (280, 200), (200, 0),
    (
        ("W1", "熔铸车间", "workshop", (15, 95, 130, 90), None, None, None),
        ("W1-U1", "熔炼炉工位", "post", (22, 140, 36, 38), 4, "25t蓄热式熔炼炉(天然气)", "加料、扒渣、精炼、转炉"),
        ("W1-U2", "保温炉工位", "post", (64, 140, 30, 38), 2, "20t保温炉、在线除气箱", "铝液保温、精炼除气、取样"),
        ("W1-U3", "深井铸造机", "unit", (100, 118, 38, 60), 5, "液压深井铸造机、铸造井(深9m)、结晶器", "铸造、冷却水控制、引锭"),
        ("W1-U4", "行车作业区", "post", (22, 102, 72, 30), 2, "20t冶金桥式起重机", "吊运铝锭、模具、渣箱"),
        ("W2", "挤压车间", "workshop", (155, 95, 110, 90), None, None, None),
        ("W2-U1", "挤压机工位", "post", (162, 140, 46, 38), 6, "1800t单动挤压机、铸棒加热炉", "铸棒加热、挤压、牵引"),
        ("W2-U2", "模具加热炉", "post", (214, 140, 44, 38), 2, "模具加热炉3台", "模具加热、换模"),
        ("W2-U3", "锯切打包", "post", (162, 102, 96, 30), 4, "成品锯、打包机", "锯切、打包"),
        ("W3", "时效炉区", "workshop", (155, 20, 60, 62), None, None, None),
        ("W3-U1", "时效炉工位", "post", (161, 27, 48, 48), 2, "天然气时效炉2台", "装炉、出炉"),
        ("W4", "天然气调压站", "workshop", (225, 20, 40, 32), None, None, None),
        ("W4-U1", "调压撬", "unit", (230, 25, 30, 22), 1, "天然气调压撬(进口0.4MPa)", "巡检、调压"),
        ("W5", "成品仓库", "workshop", (15, 20, 130, 62), None, None, None),
        ("W5-U1", "仓储理货", "post", (22, 27, 116, 48), 3, "货架、3t叉车2台", "入库、出库、理货"),
        ("B1", "办公楼", "building", (225, 60, 40, 26), None, None, None),
        ("B2", "门卫", "building", (186, 3, 16, 10), None, None, None),
    ),
    (
        R("W1-U3", "深井铸造", "高温铝液、冷却水", 18, "结晶器或冷却水管泄漏, 冷却水进入铸造井与铝液接触",
          "铝液遇水爆炸, 铸造井周边多人伤亡", "direct", explosive_site(5), None,
          "冷却水流量压力与快速切断阀联锁、铸造井液位报警、应急排水泵",
          "工:铸造冷却水系统设流量、压力、温度监测并与快速切断阀联锁;工:铸造井设液位报警与应急排水泵;"
          "管:铸造前确认模具、引锭头干燥, 执行铸造前检查表;应:编制铝液遇水爆炸现场处置方案, 每半年演练"),
        R("W1-U3", "铸造机液压系统", "液压油、升降平台", 3, "液压管破裂、平台意外下降", "平台下方人员被挤压",
          "LEC", LEC(3, 6, 7), LEC(1, 6, 7), "液压管路、防坠机械锁", "工:平台设防坠机械锁;管:检修执行上锁挂牌"),
        R("W1-U3", "铸造井检修", "有限空间、缺氧", 19, "未通风检测即下井、无人监护", "窒息, 盲目施救扩大伤亡",
          "LEC", LEC(3, 2, 40), LEC(1, 2, 40), "作业审批、气体检测、监护",
          "管:执行有限空间作业审批, 先通风再检测后作业;工:配置强制通风设备和气体检测仪;应:配备正压式呼吸器、三脚架"),
        R("W1-U1", "熔炼炉加料", "高温炉料、潮湿或含油废料", 18, "潮湿、含油或密闭容器废料入炉", "炉内爆炸喷溅伤人",
          "LEC", LEC(3, 6, 40), LEC(1, 6, 40), "废料干燥预热、入炉前检查",
          "消:禁止含油、密闭容器类废料进厂;管:废料分类存放, 入炉前预热烘干;防:穿阻燃服、戴防护面罩;应:配置干砂和D类灭火器"),
        R("W1-U1", "扒渣作业", "高温铝渣", 7, "铝渣飞溅、扒渣工具潮湿", "灼烫", "LEC", LEC(6, 6, 7), LEC(3, 6, 7),
          "扒渣工具、防护用品", "管:工具使用前预热;防:穿阻燃服、戴面罩和隔热手套"),
        R("W1-U1", "天然气燃烧系统", "天然气", 18, "烧嘴熄火未切断、点火前未吹扫", "炉膛爆炸", "LS", LS(3, 5), LS(2, 5),
          "熄火保护、燃气报警器、紧急切断阀", "工:设熄火保护和燃气紧急切断阀;工:设可燃气体报警器;管:点火前吹扫炉膛"),
        R("W1-U2", "铝液转注", "高温铝液", 7, "流槽破损、铝液溢流", "灼烫", "LEC", LEC(3, 6, 15), LEC(1, 6, 15),
          "流槽、溢流收集坑", "工:流槽下设干燥的溢流收集坑;防:穿阻燃服"),
        R("W1-U2", "精炼除气", "精炼剂粉尘、烟气", 19, "除气箱烟气收集不良", "吸入有害烟气", "LEC", LEC(3, 6, 7),
          LEC(1, 6, 7), "烟气收集罩运行", "替:以氩气在线除气替代含氯精炼剂;工:设烟气收集罩;防:佩戴防尘防毒口罩"),
        R("W1-U4", "行车吊运熔融铝液", "冶金起重机、熔融金属", 4, "起重机制动失效、铝液包倾翻",
          "铝液泼溅, 吊运路线下人员灼烫", "direct", explosive_site(2), None, "两套制动器、钢丝绳、限位",
          "工:使用冶金铸造起重机, 起升机构设两套制动器;管:持证操作, 吊运路线下严禁站人;应:设吊运警示与应急避让区"),
        R("W1-U4", "行车吊运铝锭", "起重机械", 4, "吊索具破损、违章指挥", "吊物坠落致人伤亡", "LEC", LEC(3, 6, 15),
          LEC(1, 6, 15), "吊索具、限位、制动器", "工:安装超载限制器;管:持证指挥;防:佩戴安全帽"),
        R("W2-U1", "挤压作业", "高压液压、高温铸棒", 3, "挤压筒爆裂、铸棒飞出", "机械伤害", "LEC", LEC(3, 6, 7),
          LEC(1, 6, 7), "防护挡板、急停", "工:挤压机前后设防护挡板;管:操作区设警戒线"),
        R("W2-U1", "铸棒加热炉", "天然气、高温", 7, "炉门开启时火焰外喷", "灼烫", "LS", LS(2, 3), LS(1, 3),
          "炉门联锁", "工:炉门与燃烧器联锁;防:佩戴隔热手套"),
        R("W2-U2", "换模作业", "重物、高温模具", 1, "模具吊运坠落", "砸伤、烫伤", "LEC", LEC(3, 3, 7), LEC(1, 3, 7),
          "吊具、模具架", "管:专用吊具, 两人配合;防:戴安全帽、穿防砸鞋"),
        R("W2-U3", "锯切作业", "锯片", 3, "锯片破损、手部进入锯切区", "切割伤", "LEC", LEC(3, 6, 3), LEC(1, 6, 3),
          "锯片防护罩、双手按钮", "工:锯片全封闭防护罩;管:严禁手扶料头"),
        R("W2", "挤压车间噪声", "机器噪声", 20, "长期暴露于85dB以上噪声", "噪声聋", "LEC", LEC(3, 6, 3), LEC(1, 6, 3),
          "噪声检测、耳塞发放", "工:设备减振隔声;防:佩戴耳塞"),
        R("W3-U1", "时效炉装出炉", "高温炉料", 7, "炉内高温、未等降温即出炉", "灼烫", "LEC", LEC(1, 6, 7), LEC(0.5, 6, 7),
          "炉温、防护用品", "管:出炉温度确认;防:佩戴隔热手套"),
        R("W3-U1", "时效炉燃气", "天然气", 18, "燃气泄漏积聚遇火源", "炉体爆炸", "LS", LS(3, 4), LS(2, 4),
          "燃气报警器标定、切断阀", "工:燃气报警与紧急切断联锁;管:报警器每年标定"),
        R("W4-U1", "天然气调压", "天然气", 18, "调压器失效、泄漏遇火源", "爆炸着火", "direct", explosive_site(1), None,
          "泄漏检测、防雷接地", "工:调压撬设放散阀、可燃气体报警;管:区域严禁烟火, 动火审批;应:配置灭火器与紧急切断"),
        R("W5-U1", "叉车装卸", "厂内机动车辆", 2, "倒车碰撞行人", "车辆伤害", "LEC", LEC(3, 6, 7), LEC(1, 6, 7),
          "叉车灯光喇叭、人车分流", "工:人车分流标线;管:持证驾驶, 限速5km/h"),
        R("W5-U1", "高位码垛", "高处物料", 1, "码垛过高倒塌", "砸伤", "LEC", LEC(1, 6, 7), LEC(1, 3, 3),
          "码垛高度", "管:限高码放, 重下轻上"),
        R("W1", "熔铸车间配电", "电气", 5, "配电柜受潮、绝缘损坏", "触电", "LEC", LEC(1, 6, 7), LEC(0.5, 6, 7),
          "绝缘、接地", "工:配电柜防潮;管:持证电工检修"),
    ),
    (
        Hazard("W1-U3", "深井铸造冷却水流量与快速切断阀联锁失效, 铸造井液位报警未投用", "major", "rectifying", -20, 25,
               (119, 150), "更换流量开关并恢复联锁, 铸造井液位报警接入中控; 整改期间停止铸造", 86000,
               "铝液遇水爆炸现场处置方案(2026版)"),
        Hazard("W1-U1", "熔炼炉炉前地面有积水", "general", "closed", -40, -30, (40, 158), "清理积水, 修复屋面漏点", 3000,
               rectifier="陈建国", verified_by="周立新", verify_result="已整改, 复查合格"),
        Hazard("W2-U1", "挤压机后防护挡板缺失一块", "general", "rectifying", -30, -5, (185, 158), "补装防护挡板", 1500),
        Hazard("W3-U1", "时效炉燃气报警器超期未标定", "general", "pending_review", -12, 40, (185, 50),
               "委托有资质单位标定", 800, rectifier="钱国平"),
        Hazard("W5-U1", "成品仓库消防通道堆放铝锭", "general", "reported", -2, 30, (80, 50)),
    ),
    None,
    "工业园",
    emergency=(("shelter", "应急集合点", (110, 9), 420), ("depot", "微型消防站", (218, 91), None)),
)

POLISHING = Plant(
    "常州精研五金制品有限公司", "machinery", "small", 160, "320411", "春江街道", -12.0, (180, 130), (157, 0),
    (
        ("W1", "抛光车间", "workshop", (10, 62, 92, 60), None, None, None),
        ("W1-U1", "抛光工位", "post", (16, 90, 52, 26), 8, "自动抛光机8台、手动抛光机4台", "铝镁合金件抛光、打磨"),
        ("W1-U2", "湿式除尘器", "unit", (74, 90, 22, 26), 1, "水幕湿式除尘器2台", "除尘器运行、清泥"),
        ("W1-U3", "除尘管道", "unit", (16, 68, 80, 16), 1, "吸尘罩、风管、泄爆口", "管道巡检、清理积尘"),
        ("W2", "机加工车间", "workshop", (110, 62, 62, 60), None, None, None),
        ("W2-U1", "数控车床工位", "post", (116, 90, 50, 26), 6, "数控车床6台", "车削加工"),
        ("W2-U2", "冲床工位", "post", (116, 68, 50, 18), 3, "40t冲床3台", "冲压、换模"),
        ("W3", "喷涂车间", "workshop", (10, 10, 60, 44), None, None, None),
        ("W3-U1", "喷漆房", "post", (16, 16, 30, 32), 2, "干式喷漆房", "喷漆"),
        ("W3-U2", "调漆间", "post", (50, 16, 16, 32), 1, "调漆台、防爆排风", "调漆"),
        ("W4", "危废暂存间", "workshop", (78, 10, 30, 24), None, None, None),
        ("W4-U1", "危废库", "unit", (81, 13, 24, 18), 1, "危废桶、防渗托盘", "危废收集、贮存、转运"),
        ("W5", "空压机房", "workshop", (116, 10, 26, 24), None, None, None),
        ("W5-U1", "空压机", "unit", (119, 13, 20, 18), 1, "螺杆空压机、2m³储气罐", "巡检、排污"),
        ("B1", "办公楼", "building", (148, 22, 26, 32), None, None, None),
        ("B2", "门卫", "building", (150, 3, 14, 9), None, None, None),
    ),
    (
        R("W1-U1", "铝镁粉尘抛光", "可燃性铝镁金属粉尘", 18, "粉尘积聚、除尘失效, 遇摩擦火花或静电",
          "粉尘爆炸造成群死群伤", "direct", explosive_site(8), None, "粉尘清扫记录、除尘器运行、防爆电气",
          "消:镁合金件停止干式抛光;工:每个工位设吸尘罩, 采用湿式除尘;管:每班清扫积尘, 严禁压缩空气吹扫;工:电气设备防爆, 设备可靠接地;"
          "应:编制粉尘爆炸现场处置方案"),
        R("W1-U1", "抛光轮转动", "旋转部件", 3, "衣袖、头发卷入", "手臂卷入致残", "LEC", LEC(3, 6, 7), LEC(1, 6, 7),
          "防护罩", "工:抛光轮防护罩;防:扎紧袖口, 禁止戴手套"),
        R("W1-U1", "粉尘职业危害", "金属粉尘", 20, "长期吸入粉尘", "尘肺病", "LEC", LEC(6, 6, 3), LEC(3, 6, 3),
          "防尘口罩、粉尘检测", "防:佩戴防尘口罩;管:定期职业健康体检"),
        R("W1-U2", "湿式除尘器运行", "氢气(铝镁粉遇水)", 18, "泥浆池氢气积聚、排风停止", "除尘器爆炸",
          "direct", explosive_site(1), None, "水位、排风、泥浆清理",
          "工:除尘器水位与风机联锁, 设排氢通风;管:泥浆每日清理"),
        R("W1-U2", "除尘器清泥", "含铝镁泥浆、氢气", 19, "清泥时未通风、密闭水箱内积聚氢气", "窒息、燃爆",
          "LEC", LEC(3, 3, 15), LEC(1, 3, 15), "通风、气体检测", "管:清泥前通风检测;防:使用防爆工具"),
        R("W1-U3", "除尘管道清理", "积尘、高处作业", 18, "管道积尘未清, 清理时产生火花", "管道内燃爆",
          "LEC", LEC(3, 3, 40), LEC(1, 3, 40), "管道积尘厚度", "管:使用防爆工具清理;工:管道设泄爆口"),
        R("W2-U1", "数控车削", "旋转工件、切屑", 3, "卡盘扳手未取下、切屑飞溅", "机械伤害", "LEC", LEC(3, 6, 3),
          LEC(1, 6, 3), "防护门联锁", "工:防护门联锁;防:佩戴防护眼镜"),
        R("W2-U1", "切屑清理", "锋利切屑", 3, "徒手清理切屑", "割伤", "LEC", LEC(3, 6, 1), LEC(1, 6, 1),
          "清屑工具", "管:使用专用钩子清屑;防:戴防割手套"),
        R("W2-U2", "冲压作业", "冲压设备", 3, "光电保护失效、违章送料", "手指被冲压致残", "LEC", LEC(3, 6, 15),
          LEC(1, 6, 15), "光电保护、双手按钮", "工:光电保护和双手按钮;管:单人单机"),
        R("W2-U2", "模具更换", "重物", 1, "模具滑落", "砸伤", "LEC", LEC(1, 3, 7), LEC(0.5, 3, 7), "换模工具",
          "管:换模停机上锁;防:穿防砸鞋"),
        R("W3-U1", "喷漆作业", "有机溶剂蒸气", 8, "通风不良、静电火花", "喷漆房火灾爆炸", "direct", explosive_site(2), None,
          "排风、静电接地、防爆电气", "替:使用水性漆替代溶剂型油漆;工:防爆排风与可燃气体报警;防:佩戴防毒面具"),
        R("W3-U1", "喷漆中毒", "苯系物", 19, "防毒面具失效", "中毒", "LEC", LEC(3, 6, 7), LEC(1, 6, 7), "防毒面具滤毒罐",
          "防:定期更换滤毒罐;工:局部排风"),
        R("W3-U2", "调漆作业", "易燃液体", 8, "油漆泄漏遇火源", "火灾", "LEC", LEC(3, 6, 15), LEC(1, 6, 15),
          "防爆电气、限量存放", "管:调漆间限量存放一天用量;工:防爆电气与排风"),
        R("W4-U1", "危废贮存", "废漆渣、废有机溶剂", 8, "混存、泄漏", "火灾、环境污染", "LEC", LEC(1, 6, 7),
          LEC(0.5, 6, 7), "分类贮存、防渗", "管:分类存放, 台账管理;工:防渗漏托盘"),
        R("W5-U1", "储气罐", "压力容器", 17, "安全阀失效、超压", "储气罐爆炸", "LEC", LEC(1, 6, 15), LEC(0.5, 6, 15),
          "安全阀校验、压力表", "管:安全阀年度校验;工:超压联锁停机"),
        R("W5-U1", "空压机噪声", "噪声", 20, "长期噪声暴露", "听力损伤", "LEC", LEC(3, 3, 1), LEC(1, 3, 1), "隔声",
          "防:佩戴耳塞"),
        R("W1", "车间配电", "电气", 5, "电缆破损", "触电", "LEC", LEC(1, 6, 7), LEC(0.5, 6, 7), "电缆、接地",
          "管:持证电工巡检"),
        R("W2", "车间叉车", "厂内机动车", 2, "车间内倒车", "车辆伤害", "LEC", LEC(1, 6, 7), LEC(0.5, 6, 7), "叉车",
          "管:车间内限速, 专人指挥"),
    ),
    (
        Hazard("W1-U3", "除尘管道积尘超过规定厚度, 未按规定清理", "general", "rectifying", -25, -3, (56, 76),
               "立即清理积尘, 建立每周清理记录", 2000),
        Hazard("W1-U1", "两台抛光机吸尘罩破损", "general", "pending_review", -10, 45, (30, 103), "更换吸尘罩", 1200,
               rectifier="王海涛"),
        Hazard("W3-U1", "喷漆房静电接地线断开", "general", "closed", -60, -40, (30, 30), "恢复接地并检测", 500,
               rectifier="李斌", verified_by="赵志刚", verify_result="接地电阻合格"),
        Hazard("W1-U2", "湿式除尘器低水位报警未接入值班室", "general", "reported", -3, 30, (85, 103)),
    ),
    None,
    "智能制造产业园",
    emergency=(("shelter", "应急集合点", (93, 47), 160),),
)

WAREHOUSE = Plant(
    "常州化联危险化学品仓储有限公司", "hazchem", "small", 65, "320411", "魏村街道", 20.0, (240, 170), (223, 0),
    (
        ("W1", "甲类仓库1", "workshop", (15, 100, 70, 55), None, None, None),
        ("W1-U1", "甲类库1-1防火分区", "unit", (20, 105, 28, 45), 2, "货架、防爆叉车", "入库、出库"),
        ("W1-U2", "甲类库1-2防火分区", "unit", (52, 105, 28, 45), 2, "货架", "入库、出库"),
        ("W2", "甲类仓库2", "workshop", (95, 100, 70, 55), None, None, None),
        ("W2-U1", "甲类库2-1防火分区", "unit", (100, 105, 28, 45), 2, "货架", "入库、出库"),
        ("W2-U2", "甲类库2-2防火分区", "unit", (132, 105, 28, 45), 2, "货架、防腐托盘", "入库、出库"),
        ("W3", "储罐区", "workshop", (15, 15, 110, 72), None, None, None),
        ("W3-U1", "液化石油气储罐", "unit", (22, 40, 36, 40), 1, "液化石油气卧式储罐 2×50m³", "储存、倒罐"),
        ("W3-U2", "甲醇储罐", "unit", (70, 22, 48, 58), 1, "甲醇内浮顶储罐 2×500m³、围堰", "储存、计量"),
        ("W4", "装卸区", "workshop", (135, 15, 60, 72), None, None, None),
        ("W4-U1", "汽车装卸鹤位", "post", (140, 22, 50, 40), 4, "装卸鹤管4组、静电接地报警仪", "装车、卸车"),
        ("W5", "消防泵房", "workshop", (175, 100, 30, 25), None, None, None),
        ("W5-U1", "消防泵", "unit", (178, 103, 24, 19), 1, "电动消防泵、柴油消防泵、消防水池", "巡检、试泵"),
        ("B1", "办公楼", "building", (210, 100, 24, 40), None, None, None),
        ("B2", "门卫", "building", (215, 2, 16, 10), None, None, None),
    ),
    (
        R("W3-U1", "液化石油气储存", "液化石油气", 18, "储罐或管线泄漏形成蒸气云遇点火源", "蒸气云爆炸、沸腾液体扩展蒸气爆炸, 波及厂外",
          "direct", MAJOR_SOURCE, None, "液位、压力、可燃气体报警、紧急切断",
          "消:取消罐区地下管沟, 管线改为地上架空敷设;工:储罐设液位、压力远传与高低液位联锁;工:设可燃气体报警与紧急切断阀;管:落实重大危险源包保责任制;"
          "应:编制储罐泄漏专项应急预案, 与周边企业联动"),
        R("W3-U1", "液化石油气倒罐", "液化石油气", 18, "倒罐时阀门误操作、超装", "泄漏爆炸", "LS", LS(3, 5), LS(2, 5),
          "倒罐操作票、液位", "管:倒罐执行操作票, 双人确认;工:高液位联锁"),
        R("W3-U2", "甲醇储存", "甲醇(易燃、有毒)", 8, "储罐泄漏、雷击、静电", "池火、中毒", "direct", MAJOR_SOURCE, None,
          "防雷接地、呼吸阀、围堰", "工:内浮顶罐加氮封;工:防雷防静电接地;管:每班巡检;应:围堰内配备泡沫灭火系统"),
        R("W3-U2", "甲醇储罐清罐", "甲醇蒸气、有限空间", 19, "清罐作业未置换检测", "中毒窒息", "LEC", LEC(3, 2, 40),
          LEC(1, 2, 40), "作业审批、气体检测", "管:清罐执行有限空间作业审批;防:佩戴长管呼吸器;应:设专人监护和救援器材"),
        R("W4-U1", "甲醇汽车装车", "易燃液体、静电", 8, "流速过快产生静电、未接地", "装车火灾爆炸",
          "direct", explosive_site(4), None, "静电接地报警、流速控制",
          "工:静电接地报警仪与装车泵联锁;管:装车流速不大于4.5m/s;防:穿防静电服"),
        R("W4-U1", "液化气卸车", "液化石油气", 18, "软管破裂、槽车溜车", "泄漏爆炸", "LS", LS(3, 5), LS(2, 5),
          "卸车软管、防溜车装置", "工:使用万向充装管道系统;工:设防溜车装置;管:卸车全程监护"),
        R("W4-U1", "槽车进出", "危险货物运输车辆", 2, "车辆碰撞", "车辆伤害、泄漏", "LEC", LEC(1, 6, 15),
          LEC(0.5, 6, 15), "限速、车辆防火帽", "管:进库车辆佩戴防火帽, 限速5km/h"),
        R("W1-U1", "甲类物品储存", "易燃液体、遇湿易燃物品", 8, "禁忌物混存、包装破损", "仓库火灾", "direct",
          explosive_site(2), None, "禁忌物分区、温湿度", "管:按禁忌表分区存放, 限量;工:防爆通风与温湿度监测;工:设自动喷淋"),
        R("W1-U2", "防爆叉车作业", "机动车辆", 2, "碰撞货架", "车辆伤害", "LEC", LEC(1, 6, 7), LEC(0.5, 6, 7),
          "防爆叉车", "管:持证驾驶"),
        R("W2-U1", "氧化剂储存", "氧化性物质", 8, "与可燃物接触", "火灾", "LS", LS(2, 4), LS(1, 4), "分区隔离",
          "管:与可燃物分库存放"),
        R("W2-U1", "遇湿易燃物品储存", "遇湿易燃物品", 18, "屋面漏雨、包装受潮", "燃烧爆炸", "direct", explosive_site(2),
          None, "屋面防水、垫高存放", "工:货物垫高离地30cm;管:雨后检查屋面"),
        R("W2-U2", "腐蚀品储存", "酸碱", 7, "包装破损、泄漏", "化学灼伤", "LEC", LEC(1, 6, 7), LEC(0.5, 6, 7),
          "防渗托盘、洗眼器", "工:防渗托盘;应:设洗眼器和喷淋装置;防:佩戴防酸手套"),
        R("W5-U1", "消防泵运行", "电气、旋转设备", 3, "检修时误启动", "机械伤害", "LEC", LEC(1, 3, 7), LEC(0.5, 3, 7),
          "上锁挂牌", "管:检修上锁挂牌;管:每周试泵"),
        R("W5-U1", "消防水池", "水池", 6, "检修时失足落水", "淹溺", "LEC", LEC(1, 3, 15), LEC(0.5, 3, 15),
          "护栏、救生圈", "工:水池设护栏和盖板;应:配置救生圈"),
        R("W5-U1", "柴油机消防泵试泵", "柴油、高温排气管", 8, "油箱渗漏、排气管接触可燃物", "火灾、烫伤", "LEC",
          LEC(6, 6, 7), LEC(3, 6, 7), "油箱、排气管隔热", "工:排气管加隔热层;管:油箱周边不得堆放可燃物;应:泵房配置灭火器"),
        R("W3", "储罐区动火作业", "可燃气体", 18, "动火未检测", "爆炸", "LS", LS(3, 5), LS(1, 5),
          "动火证、气体检测", "管:特级动火审批, 专人监护;工:动火前气体检测"),
        R("W3", "储罐区雷击", "雷电", 8, "防雷接地失效", "储罐火灾", "LEC", LEC(1, 10, 15), LEC(0.5, 10, 15),
          "防雷检测报告", "管:每半年防雷检测"),
        R("W4", "装卸区中毒", "甲醇蒸气", 19, "通风不良", "中毒", "LEC", LEC(1, 6, 7), LEC(0.5, 6, 7),
          "有毒气体报警", "工:有毒气体报警"),
        R("W1", "仓库电气", "电气火花", 8, "非防爆电气", "火灾", "LEC", LEC(1, 6, 15), LEC(0.5, 6, 15),
          "防爆电气", "工:全部采用防爆电气"),
    ),
    (
        Hazard("W3-U1", "液化石油气储罐紧急切断阀未投用, 可燃气体报警未接入控制室", "major", "rectifying", -15, 30,
               (40, 60), "恢复紧急切断阀并接入安全仪表系统, 报警信号接入控制室; 整改期间储罐降液位运行", 120000,
               "液化石油气储罐泄漏专项应急预案"),
        Hazard("W4-U1", "装车鹤位静电接地报警仪故障", "general", "rectifying", -35, -10, (160, 45), "更换报警仪", 4000),
        Hazard("W1-U1", "甲类库1-1 货物堆垛距灯具不足0.5m", "general", "closed", -50, -35, (34, 128), "调整堆垛", 0,
               rectifier="孙永刚", verified_by="吴晓东", verify_result="复查合格"),
        Hazard("W2-U2", "洗眼器水压不足", "general", "reported", -3, 30, (146, 120)),
    ),
    {"area": "W3", "name": "储罐区(甲醇、液化石油气)", "inventory": {"甲醇": 600, "液化石油气": 42}},
    "化工园区",
    emergency=(("shelter", "应急集合点", (218, 55), 65), ("depot", "应急物资柜", (140, 94), None)),
)

PLANTS = (ALUMINIUM, POLISHING, WAREHOUSE)


@dataclass
class DrawnPlant:
    enterprise: EnterpriseRec
    hazards: list[dict]
    frame: Frame
    town: Region
    cluster: str
    size: tuple[float, float]
    resources: list[dict] = field(default_factory=list)  # emergency resources inside the fence


def _place(plant: Plant, city: Region, rng: np.random.Generator, occupied: Occupancy) -> tuple[Region, Region, float, float]:
    """A point in a grid of the plant's town where the whole site fits with room to spare (the
    largest grid first, its representative point first, then random points)."""
    district = next(d for d in city.children if d.adcode == plant.district)
    town = next(t for t in district.children if t.name == plant.town)
    w, h = plant.size
    edge = metres_to_deg(EDGE_M)[1]
    for grid in sorted(town.children, key=lambda g: -g.geom.area):
        p = shapely.point_on_surface(grid.geom)
        candidates = [(p.x, p.y)] + [tuple(xy) for xy in random_points_in(grid.geom, 200, rng)]
        for x, y in candidates:
            if not on_land(x, y):
                continue
            outline = Frame.city(x, y, plant.angle).rect(-w / 2, -h / 2, w, h)
            if grid.geom.contains(outline.buffer(edge)) and not occupied.clashes(outline, edge):
                return town, grid, float(x), float(y)
    raise ValueError(f"{plant.name}: 在{plant.town}找不到放置厂区的位置 (no room for the plant)")


def _measures(text: str) -> list[tuple[str, str]]:
    return [(KIND[m.strip()[0]], m.strip()[1:].strip("：: ")) for m in text.split(";") if m.strip()]


def _at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(REFERENCE_DATE + dt.timedelta(days=day), dt.time(hour, 30), CST)


def build_plants(city: Region, rng: np.random.Generator, uscc: UsccMaker, profile: Profile,
                 occupied: Occupancy) -> list[DrawnPlant]:
    """The three drawn plants as enterprises (areas, risks, source), plus their hidden hazards."""
    out = []
    for plant in PLANTS:
        town, grid, x, y = _place(plant, city, rng, occupied)
        district = next(d for d in city.children if d.adcode == plant.district)
        w, h = plant.size
        frame = Frame.centred(x, y, plant.angle)

        def rect(r, frame=frame, w=w, h=h):
            return frame.rect(r[0] - w / 2, r[1] - h / 2, r[2], r[3])

        boundary = rect((0, 0, w, h))
        occupied.add(boundary)
        legal, safety = person(rng), person(rng)
        e = EnterpriseRec(uscc(plant.district), plant.name, plant.industry, plant.scale, plant.employees,
                          f"{district.name}{town.name}{plant.cluster.removesuffix('园区').removesuffix('园')}路"
                          f"{int(rng.integers(1, 99))}号",
                          grid.adcode, shapely.centroid(boundary), boundary, legal, safety, mobile(rng), landline(rng),
                          gate=frame.point(plant.gate[0] - w / 2, plant.gate[1] - h / 2))
        e.areas.append(AreaRec("P1", "厂区", "plant", boundary))
        names = {}
        for code, name, kind, r, headcount, equipment, activities in plant.areas:
            parent = f"P1-{code.split('-')[0]}" if "-" in code else "P1"
            e.areas.append(AreaRec(f"P1-{code}", name, kind, rect(r), parent=parent, headcount=headcount,
                                   equipment=equipment, activities=activities))
            names[code] = name
        people = People(rng, legal, safety)
        for r in plant.risks:
            ws = r.area.split("-")[0]
            owner = people.owner(names[ws], names[r.area] if "-" in r.area else None)
            inh = assess(r.method, r.inputs, profile)
            if r.residual is not None:
                res = assess(r.method, r.residual, profile)
                res_level, res_score, res_inputs = min(res.level, inh.level), res.score, res.inputs
            else:  # 直接判定: the level follows from the site, not from the controls
                res_level, res_score, res_inputs = inh.level, None, None
            level = Level(res_level).value
            who, phone, unit = owner(TIER[level])
            e.risks.append(Risk(f"P1-{r.area}", r.name, r.factors, r.accident, r.causes, r.consequences, r.method,
                                inh.inputs, inh.score, inh.level.value, level, res_inputs, res_score, TIER[level],
                                who, phone, unit, r.check, PERIOD[level][0], _measures(r.measures),
                                basis="; ".join(inh.basis) if r.method == "direct" else None))
        hazards = []
        for hz in plant.hazards:
            closed = hz.status == "closed"
            rectified = hz.status in ("closed", "pending_review")
            ws = hz.area.split("-")[0]
            hazards.append({
                "area_code": f"P1-{hz.area}", "description": hz.description, "grade": hz.grade, "status": hz.status,
                "found_at": _at(hz.found), "found_by": safety if hz.grade == "major" else person(rng),
                "deadline": REFERENCE_DATE + dt.timedelta(days=hz.deadline),
                "measures": hz.measures, "funds": hz.funds, "plan": hz.plan,
                "dept": ("安全环保部" if hz.grade == "major" else names[ws]) if hz.measures else None,
                "person": (legal if hz.grade == "major" else person(rng)) if hz.measures else None,
                "stop_work": hz.grade == "major" and not closed, "supervised": hz.grade == "major",
                "rectifier": hz.rectifier, "rectified_at": _at(hz.deadline - 2, 16) if rectified else None,
                "verified_by": hz.verified_by, "verify_result": hz.verify_result,
                "verified_at": _at(hz.deadline - 1, 10) if closed else None,
                "location": frame.point(hz.xy[0] - w / 2, hz.xy[1] - h / 2),
            })
        if plant.source:
            s = plant.source
            geom = next(a.geom for a in e.areas if a.code == f"P1-{s['area']}")
            e.source = SourceRec("", s["name"], "storage", f"P1-{s['area']}", shapely.point_on_surface(geom), geom,
                                 dict(s["inventory"]), REFERENCE_DATE - dt.timedelta(days=640))
        resources = [{"kind": kind, "name": f"{plant.name.removesuffix('有限公司')}{name}", "capacity": cap,
                      "phone": e.emergency_phone, "address": e.address, "region": town.adcode,
                      "geom": frame.point(xy[0] - w / 2, xy[1] - h / 2)} for kind, name, xy, cap in plant.emergency]
        out.append(DrawnPlant(e, hazards, frame, town, plant.cluster, plant.size, resources))
    return out
