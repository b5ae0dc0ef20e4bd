"""The three fully drawn demo plants: layouts in local metres, georeferenced onto the city.

1. 常州华铝铝业有限公司: aluminium deep-well casting (有色).
2. 常州精研五金制品有限公司: metal polishing with explosive aluminium/magnesium dust (机械).
3. 常州化联危险化学品仓储有限公司: hazardous-chemical warehouse with a tank farm (危险化学品).
Names, people and layouts are fictional; the hazards, measures and grading follow seed 003 and
the 工贸 重大事故隐患判定标准 the seeds cite.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import shapely

from db.demo.enterprises import AreaRec, EnterpriseRec, LocalFrame, Risk, UsccMaker
from db.demo.regions import Region, person, phone, walk
from layers.assessment import Profile, assess
from layers.levels import Level

#: Hidden-hazard dates are relative to the day of loading, so the demo always shows open, closed
#: and overdue items; everything else is deterministic.
REFERENCE_DATE = dt.date.today()
TIER = {"major": "company", "significant": "workshop", "general": "team", "low": "post"}


@dataclass
class Hazard:
    area_code: str
    description: str
    grade: str
    status: str
    found_days_ago: int
    deadline_days: int
    measures: str | None = None
    funds: float | None = None
    plan: str | None = None
    rectifier: str | None = None
    verified_by: str | None = None
    verify_result: str | None = None
    xy: tuple[float, float] | None = None


@dataclass
class Plant:
    name: str
    industry: str
    scale: str
    employees: int
    district: str
    town: str
    angle: float
    outline: list[tuple[float, float]]
    areas: list[tuple]  # (code, name, kind, parent, rect(x,y,w,h), headcount, equipment, activities)
    risks: list[tuple]  # (area, name, factors, accident, causes, method, inputs, residual, content, period, measures)
    hazards: list[Hazard] = field(default_factory=list)
    source: dict | None = None  # {"code", "name", "area", "rect", "inventory": {chemical: t}}
    features: dict = field(default_factory=dict)


M = "engineering"
A = "administrative"
P = "ppe"
E = "emergency"
S = "substitution"

ALUMINIUM = Plant(
    "常州华铝铝业有限公司", "nonferrous", "medium", 420, "320412", "横林镇", 8.0,
    [(0, 0), (260, 0), (260, 190), (0, 190)],
    [
        ("W1", "熔铸车间", "workshop", None, (15, 95, 120, 80), None, None, None),
        ("W1-U1", "熔炼炉工位", "post", "W1", (22, 130, 34, 38), 4, "25t蓄热式熔炼炉", "加料、扒渣、精炼、转炉"),
        ("W1-U2", "保温炉工位", "post", "W1", (62, 130, 30, 38), 2, "20t保温炉", "铝液保温、取样"),
        ("W1-U3", "深井铸造机", "unit", "W1", (98, 112, 30, 56), 5, "液压深井铸造机、铸造井", "铸造、冷却水控制"),
        ("W1-U4", "行车作业区", "post", "W1", (22, 100, 70, 24), 2, "20t桥式起重机", "吊运铝锭、模具"),
        ("W2", "挤压车间", "workshop", None, (145, 95, 100, 80), None, None, None),
        ("W2-U1", "挤压机工位", "post", "W2", (152, 130, 42, 38), 6, "1800t挤压机", "铸棒加热、挤压、牵引"),
        ("W2-U2", "模具加热炉", "post", "W2", (200, 130, 38, 38), 2, "模具加热炉", "模具加热、换模"),
        ("W2-U3", "锯切打包", "post", "W2", (152, 100, 86, 24), 4, "成品锯、打包机", "锯切、打包"),
        ("W3", "时效炉区", "workshop", None, (145, 20, 55, 60), None, None, None),
        ("W3-U1", "时效炉工位", "post", "W3", (152, 28, 40, 44), 2, "天然气时效炉", "装炉、出炉"),
        ("W4", "天然气调压站", "workshop", None, (210, 20, 35, 30), None, None, None),
        ("W4-U1", "调压撬", "unit", "W4", (215, 25, 25, 20), 1, "天然气调压撬", "巡检、调压"),
        ("W5", "成品仓库", "workshop", None, (15, 20, 120, 60), None, None, None),
        ("W5-U1", "仓储理货", "post", "W5", (22, 28, 106, 44), 3, "货架、叉车", "入库、出库、理货"),
        ("B1", "办公楼", "building", None, (210, 58, 35, 25), None, None, None),
        ("B2", "门卫", "building", None, (240, 2, 14, 10), None, None, None),
    ],
    [
        ("W1-U3", "深井铸造", "高温铝液、冷却水", 18, "冷却水进入铸造井、铝液泄漏遇水",
         "direct", {"level": "major", "basis": "深井铸造铝液遇水爆炸: 工贸行业重大事故隐患判定标准 有色金属第1条所指场所"},
         "significant", "冷却水流量压力联锁、紧急排水泵、液位报警", "shift",
         [(M, "铸造冷却水系统设流量、压力、温度监测及与快速切断阀联锁"), (M, "铸造井设液位报警与应急排水泵"),
          (A, "铸造前确认模具、引锭头干燥, 执行铸造前检查表"), (E, "编制铝液遇水爆炸现场处置方案, 每半年演练")]),
        ("W1-U3", "铸造机液压系统", "液压油、运动部件", 3, "液压管破裂、平台下降挤压", "LEC",
         {"L": 3, "E": 6, "C": 7}, {"L": 1, "E": 6, "C": 7}, "液压管路、防坠装置", "daily",
         [(M, "平台设防坠机械锁"), (A, "检修执行上锁挂牌")]),
        ("W1-U1", "熔炼炉加料", "高温炉料、潮湿废料", 18, "潮湿或含油废料入炉引起爆炸喷溅", "LEC",
         {"L": 3, "E": 6, "C": 40}, {"L": 1, "E": 6, "C": 40}, "废料干燥预热、入炉前检查", "shift",
         [(A, "废料分类存放, 入炉前预热烘干"), (P, "穿阻燃服、戴防护面罩"), (E, "配置干砂和D类灭火器")]),
        ("W1-U1", "扒渣作业", "高温铝渣", 7, "铝渣飞溅、工具潮湿", "LEC",
         {"L": 6, "E": 6, "C": 7}, {"L": 3, "E": 6, "C": 7}, "扒渣工具、防护用品", "shift",
         [(A, "工具使用前预热"), (P, "穿阻燃服、戴面罩和隔热手套")]),
        ("W1-U1", "天然气燃烧系统", "天然气", 18, "烧嘴熄火未切断、炉膛积气", "LS",
         {"L": 3, "S": 5}, {"L": 2, "S": 5}, "熄火保护、燃气报警器", "daily",
         [(M, "设熄火保护和燃气紧急切断阀"), (M, "设可燃气体报警器"), (A, "点火前吹扫炉膛")]),
        ("W1-U2", "铝液转注", "高温铝液", 7, "流槽破损、铝液溢流", "LEC",
         {"L": 3, "E": 6, "C": 15}, {"L": 1, "E": 6, "C": 15}, "流槽、溢流收集坑", "shift",
         [(M, "流槽下设干燥的溢流收集坑"), (P, "穿阻燃服")]),
        ("W1-U4", "行车吊运铝液包", "起重机械、高温熔融金属", 4, "吊运熔融金属的起重机不符合冶金起重机要求、制动失效",
         "direct", {"toxic_explosive_fire": True, "simultaneous_workers": 2}, "significant",
         "两套制动、钢丝绳、限位", "daily",
         [(M, "使用冶金铸造起重机, 起升机构设两套制动器"), (A, "持证操作, 吊运路线下严禁站人")]),
        ("W2-U1", "挤压作业", "高压液压、高温铸棒", 3, "挤压筒爆裂、铸棒飞出", "LEC",
         {"L": 3, "E": 6, "C": 7}, {"L": 1, "E": 6, "C": 7}, "防护挡板、急停", "shift",
         [(M, "挤压机前后设防护挡板"), (A, "操作区设警戒线")]),
        ("W2-U1", "铸棒加热炉", "天然气、高温", 7, "炉门开启时火焰外喷", "LS",
         {"L": 2, "S": 3}, {"L": 1, "S": 3}, "炉门联锁", "daily", [(M, "炉门与燃烧器联锁"), (P, "佩戴隔热手套")]),
        ("W2-U2", "换模作业", "重物、高温模具", 1, "模具吊运坠落", "LEC",
         {"L": 3, "E": 3, "C": 7}, {"L": 1, "E": 3, "C": 7}, "吊具、模具架", "weekly",
         [(A, "专用吊具, 两人配合"), (P, "戴安全帽、穿防砸鞋")]),
        ("W2-U3", "锯切作业", "锯片", 3, "锯片破损、手部进入锯切区", "LEC",
         {"L": 3, "E": 6, "C": 3}, {"L": 1, "E": 6, "C": 3}, "锯片防护罩、双手按钮", "shift",
         [(M, "锯片全封闭防护罩"), (A, "严禁手扶料头")]),
        ("W3-U1", "时效炉装出炉", "高温、天然气", 7, "炉内高温、燃气泄漏", "LEC",
         {"L": 1, "E": 6, "C": 7}, {"L": 0.5, "E": 6, "C": 7}, "燃气报警、炉温", "daily",
         [(M, "燃气报警与切断"), (P, "佩戴隔热手套")]),
        ("W4-U1", "天然气调压", "天然气", 18, "调压器失效、泄漏遇火源", "direct",
         {"toxic_explosive_fire": True, "simultaneous_workers": 1}, "general", "泄漏检测、防雷接地", "daily",
         [(M, "调压撬设放散阀、可燃气体报警"), (A, "区域严禁烟火, 动火审批"), (E, "配置灭火器与紧急切断")]),
        ("W5-U1", "叉车装卸", "厂内机动车辆", 2, "倒车碰撞行人", "LEC",
         {"L": 3, "E": 6, "C": 7}, {"L": 1, "E": 6, "C": 7}, "叉车灯光喇叭、人车分流", "daily",
         [(M, "人车分流标线"), (A, "持证驾驶, 限速5km/h")]),
        ("W5-U1", "高位码垛", "高处物料", 1, "码垛过高倒塌", "LEC",
         {"L": 1, "E": 6, "C": 7}, {"L": 1, "E": 3, "C": 3}, "码垛高度", "weekly",
         [(A, "限高码放, 重下轻上")]),
        ("W1", "熔铸车间配电", "电气", 5, "配电柜受潮、绝缘损坏", "LEC",
         {"L": 1, "E": 6, "C": 7}, {"L": 0.5, "E": 6, "C": 7}, "绝缘、接地", "monthly",
         [(M, "配电柜防潮"), (A, "持证电工检修")]),
    ],
    [
        Hazard("W1-U3", "深井铸造冷却水流量与快速切断阀联锁失效", "major", "rectifying", 20, 25,
               "更换流量开关并恢复联锁, 整改期间停止铸造", 86000, "铝液遇水爆炸现场处置方案 (2026版)", xy=(113, 140)),
        Hazard("W1-U1", "熔炼炉炉前地面有积水", "general", "closed", 40, -30, "清理积水, 修复屋面漏点", 3000,
               rectifier="陈建国", verified_by="周立新", verify_result="已整改, 复查合格", xy=(40, 150)),
        Hazard("W2-U1", "挤压机后防护挡板缺失一块", "general", "rectifying", 30, -5, "补装防护挡板", 1500, xy=(170, 150)),
        Hazard("W5-U1", "仓库消防通道堆放铝锭", "general", "reported", 2, 5, xy=(60, 50)),
    ],
    None,
    {"exits": [(130, 0), (0, 60)], "assembly": [(230, 100)]},
)

POLISHING = Plant(
    "常州精研五金制品有限公司", "machinery", "small", 160, "320411", "春江街道", -12.0,
    [(0, 0), (180, 0), (180, 130), (0, 130)],
    [
        ("W1", "抛光车间", "workshop", None, (10, 60, 90, 60), None, None, None),
        ("W1-U1", "抛光工位", "post", "W1", (16, 88, 50, 26), 8, "自动抛光机8台、手动抛光机4台", "铝镁合金件抛光、打磨"),
        ("W1-U2", "湿式除尘器", "unit", "W1", (72, 88, 22, 26), 1, "水幕湿式除尘器", "除尘器运行、清泥"),
        ("W1-U3", "除尘管道", "unit", "W1", (16, 66, 78, 16), 1, "吸尘罩、风管", "管道清理"),
        ("W2", "机加工车间", "workshop", None, (110, 60, 62, 60), None, None, None),
        ("W2-U1", "数控车床工位", "post", "W2", (116, 88, 50, 26), 6, "数控车床6台", "车削加工"),
        ("W2-U2", "冲床工位", "post", "W2", (116, 66, 50, 18), 3, "40t冲床3台", "冲压"),
        ("W3", "喷涂车间", "workshop", None, (10, 10, 60, 42), None, None, None),
        ("W3-U1", "喷漆房", "post", "W3", (16, 16, 30, 30), 2, "干式喷漆房", "喷漆"),
        ("W3-U2", "调漆间", "post", "W3", (50, 16, 16, 30), 1, "调漆台、防爆排风", "调漆"),
        ("W4", "危废暂存间", "workshop", None, (78, 10, 30, 22), None, None, None),
        ("W4-U1", "危废库", "unit", "W4", (81, 13, 24, 16), 1, "危废桶", "危废收集、转运"),
        ("W5", "空压机房", "workshop", None, (116, 10, 26, 22), None, None, None),
        ("W5-U1", "空压机", "unit", "W5", (119, 13, 20, 16), 1, "螺杆空压机、储气罐", "巡检"),
        ("B1", "办公楼", "building", None, (148, 10, 26, 36), None, None, None),
    ],
    [
        ("W1-U1", "铝镁粉尘抛光", "可燃性金属粉尘", 18, "粉尘积聚、遇点火源引发粉尘爆炸", "direct",
         {"toxic_explosive_fire": True, "simultaneous_workers": 8}, "significant", "粉尘清扫记录、除尘器运行", "shift",
         [(M, "每个工位设吸尘罩, 采用湿式除尘"), (A, "每班清扫积尘, 严禁压缩空气吹扫"),
          (M, "电气设备防爆, 设备可靠接地"), (E, "编制粉尘爆炸现场处置方案")]),
        ("W1-U2", "湿式除尘器运行", "氢气 (铝镁粉遇水)", 18, "泥浆池氢气积聚、排风停止", "direct",
         {"major_hazard_source": False, "toxic_explosive_fire": True, "simultaneous_workers": 1}, "significant",
         "水位、排风、泥浆清理", "daily",
         [(M, "除尘器水位与风机联锁, 设排氢通风"), (A, "泥浆每日清理")]),
        ("W1-U3", "除尘管道清理", "积尘、高处作业", 18, "管道积尘未清, 清理时产生火花", "LEC",
         {"L": 3, "E": 3, "C": 40}, {"L": 1, "E": 3, "C": 40}, "管道积尘厚度", "weekly",
         [(A, "使用防爆工具清理"), (M, "管道设泄爆口")]),
        ("W1-U1", "抛光轮转动", "旋转部件", 3, "衣袖卷入", "LEC",
         {"L": 3, "E": 6, "C": 7}, {"L": 1, "E": 6, "C": 7}, "防护罩", "shift",
         [(M, "抛光轮防护罩"), (P, "扎紧袖口, 禁止戴手套")]),
        ("W1-U1", "粉尘职业危害", "金属粉尘", 20, "长期吸入粉尘", "LEC",
         {"L": 6, "E": 6, "C": 3}, {"L": 3, "E": 6, "C": 3}, "防尘口罩、检测", "monthly",
         [(P, "佩戴防尘口罩"), (A, "定期职业病体检")]),
        ("W2-U1", "数控车削", "旋转工件、切屑", 3, "卡盘扳手未取下、切屑飞溅", "LEC",
         {"L": 3, "E": 6, "C": 3}, {"L": 1, "E": 6, "C": 3}, "防护门联锁", "daily",
         [(M, "防护门联锁"), (P, "佩戴防护眼镜")]),
        ("W2-U2", "冲压作业", "冲压设备", 3, "光电保护失效、违章送料", "LEC",
         {"L": 3, "E": 6, "C": 15}, {"L": 1, "E": 6, "C": 15}, "光电保护、双手按钮", "shift",
         [(M, "光电保护和双手按钮"), (A, "单人单机")]),
        ("W3-U1", "喷漆作业", "有机溶剂蒸气", 8, "通风不良、静电火花", "LS",
         {"L": 3, "S": 4}, {"L": 2, "S": 4}, "排风、静电接地、防爆电气", "shift",
         [(S, "使用水性漆替代溶剂型油漆"), (M, "防爆排风与可燃气体报警"), (P, "佩戴防毒面具")]),
        ("W3-U1", "喷漆中毒", "苯系物", 19, "防毒面具失效", "LEC",
         {"L": 3, "E": 6, "C": 7}, {"L": 1, "E": 6, "C": 7}, "防毒面具滤毒罐", "weekly",
         [(P, "定期更换滤毒罐"), (M, "局部排风")]),
        ("W3-U2", "调漆作业", "易燃液体", 8, "油漆泄漏遇火源", "LEC",
         {"L": 3, "E": 6, "C": 15}, {"L": 1, "E": 6, "C": 15}, "防爆电气、限量存放", "daily",
         [(A, "调漆间限量存放一天用量"), (M, "防爆电气与排风")]),
        ("W4-U1", "危废贮存", "废漆渣、废有机溶剂", 8, "混存、泄漏", "LEC",
         {"L": 1, "E": 6, "C": 7}, {"L": 0.5, "E": 6, "C": 7}, "分类贮存、防渗", "weekly",
         [(A, "分类存放, 台账管理"), (M, "防渗漏托盘")]),
        ("W5-U1", "储气罐", "压力容器", 17, "安全阀失效、超压", "LEC",
         {"L": 1, "E": 6, "C": 15}, {"L": 0.5, "E": 6, "C": 15}, "安全阀校验、压力表", "monthly",
         [(A, "安全阀年度校验"), (M, "超压联锁停机")]),
        ("W5-U1", "空压机噪声", "噪声", 20, "长期噪声暴露", "LEC",
         {"L": 3, "E": 3, "C": 1}, {"L": 1, "E": 3, "C": 1}, "隔声", "monthly", [(P, "佩戴耳塞")]),
        ("W1", "车间配电", "电气", 5, "电缆破损", "LEC",
         {"L": 1, "E": 6, "C": 7}, {"L": 0.5, "E": 6, "C": 7}, "电缆、接地", "monthly",
         [(A, "持证电工巡检")]),
        ("W2", "车间叉车", "厂内机动车", 2, "车间内倒车", "LEC",
         {"L": 1, "E": 6, "C": 7}, {"L": 0.5, "E": 6, "C": 7}, "叉车", "daily", [(A, "限速")]),
    ],
    [
        Hazard("W1-U3", "除尘管道积尘超过规定厚度, 未按规定清理", "general", "rectifying", 25, -3,
               "立即清理积尘, 建立每周清理记录", 2000, xy=(50, 74)),
        Hazard("W1-U1", "两台抛光机吸尘罩破损", "general", "pending_review", 10, 4, "更换吸尘罩", 1200,
               rectifier="王海涛", xy=(30, 100)),
        Hazard("W3-U1", "喷漆房静电接地线断开", "general", "closed", 60, -40, "恢复接地并检测", 500,
               rectifier="李斌", verified_by="赵志刚", verify_result="接地电阻合格", xy=(30, 30)),
    ],
    None,
    {"exits": [(0, 90), (90, 0)], "assembly": [(160, 60)]},
)

WAREHOUSE = Plant(
    "常州化联危险化学品仓储有限公司", "hazchem", "small", 65, "320411", "魏村街道", 20.0,
    [(0, 0), (240, 0), (240, 170), (0, 170)],
    [
        ("W1", "甲类仓库1", "workshop", None, (15, 100, 70, 55), None, None, None),
        ("W1-U1", "甲类库1-1防火分区", "unit", "W1", (20, 105, 28, 45), 2, "货架、防爆叉车", "入库、出库"),
        ("W1-U2", "甲类库1-2防火分区", "unit", "W1", (52, 105, 28, 45), 2, "货架", "入库、出库"),
        ("W2", "甲类仓库2", "workshop", None, (95, 100, 70, 55), None, None, None),
        ("W2-U1", "甲类库2-1防火分区", "unit", "W2", (100, 105, 28, 45), 2, "货架", "入库、出库"),
        ("W2-U2", "甲类库2-2防火分区", "unit", "W2", (132, 105, 28, 45), 2, "货架", "入库、出库"),
        ("W3", "储罐区", "workshop", None, (15, 15, 110, 70), None, None, None),
        ("W3-U1", "液化石油气储罐", "unit", "W3", (22, 40, 36, 36), 1, "液化石油气储罐 2×50m³", "储存、倒罐"),
        ("W3-U2", "甲醇储罐", "unit", "W3", (70, 25, 48, 52), 1, "甲醇内浮顶储罐 2×500m³", "储存、计量"),
        ("W4", "装卸区", "workshop", None, (135, 15, 60, 70), None, None, None),
        ("W4-U1", "汽车装卸鹤位", "post", "W4", (140, 25, 50, 40), 4, "装卸鹤管4组、静电接地报警仪", "装车、卸车"),
        ("W5", "消防泵房", "workshop", None, (175, 100, 30, 25), None, None, None),
        ("W5-U1", "消防泵", "unit", "W5", (178, 103, 24, 19), 1, "电动消防泵、柴油消防泵", "巡检、试泵"),
        ("B1", "办公楼", "building", None, (205, 100, 28, 40), None, None, None),
        ("B2", "门卫", "building", None, (215, 2, 16, 10), None, None, None),
    ],
    [
        ("W3-U1", "液化石油气储存", "液化石油气", 18, "储罐泄漏形成蒸气云遇点火源爆炸", "direct",
         {"major_hazard_source": True}, "significant", "液位、压力、可燃气体报警、紧急切断", "shift",
         [(M, "储罐设液位、压力远传与高低液位联锁"), (M, "设可燃气体报警与紧急切断阀"),
          (A, "重大危险源包保责任制"), (E, "编制储罐泄漏专项应急预案, 与周边企业联动")]),
        ("W3-U2", "甲醇储存", "甲醇 (易燃、有毒)", 8, "储罐泄漏、雷击", "direct",
         {"major_hazard_source": True}, "significant", "防雷接地、呼吸阀、围堰", "shift",
         [(M, "内浮顶罐、氮封"), (M, "防雷防静电接地"), (A, "每班巡检")]),
        ("W3-U2", "甲醇中毒", "甲醇蒸气", 19, "清罐作业未检测", "LEC",
         {"L": 3, "E": 3, "C": 15}, {"L": 1, "E": 3, "C": 15}, "作业审批、气体检测", "monthly",
         [(A, "清罐执行有限空间作业审批"), (P, "佩戴长管呼吸器")]),
        ("W4-U1", "甲醇汽车装车", "易燃液体、静电", 8, "流速过快产生静电、未接地", "direct",
         {"toxic_explosive_fire": True, "simultaneous_workers": 4}, "significant", "静电接地报警、流速控制", "shift",
         [(M, "静电接地报警仪与装车泵联锁"), (A, "装车流速不大于4.5m/s"), (P, "穿防静电服")]),
        ("W4-U1", "液化气卸车", "液化石油气", 18, "软管破裂、槽车溜车", "LS",
         {"L": 3, "S": 5}, {"L": 2, "S": 5}, "卸车软管、防溜车装置", "shift",
         [(M, "使用万向充装管道系统"), (M, "设防溜车装置"), (A, "卸车全程监护")]),
        ("W4-U1", "槽车进出", "危险货物运输车辆", 2, "车辆碰撞", "LEC",
         {"L": 1, "E": 6, "C": 15}, {"L": 0.5, "E": 6, "C": 15}, "限速、车辆防火帽", "daily",
         [(A, "进库车辆佩戴防火帽, 限速5km/h")]),
        ("W1-U1", "甲类物品储存", "易燃液体、遇湿易燃物品", 8, "禁忌物混存、包装破损", "LS",
         {"L": 2, "S": 5}, {"L": 2, "S": 4}, "禁忌物分区、温湿度", "shift",
         [(A, "按禁忌表分区存放, 限量"), (M, "防爆通风与温湿度监测"), (M, "设自动喷淋")]),
        ("W1-U2", "防爆叉车作业", "机动车辆", 2, "碰撞货架", "LEC",
         {"L": 1, "E": 6, "C": 7}, {"L": 0.5, "E": 6, "C": 7}, "防爆叉车", "daily",
         [(A, "持证驾驶")]),
        ("W2-U1", "氧化剂储存", "氧化性物质", 8, "与可燃物接触", "LS",
         {"L": 2, "S": 4}, {"L": 1, "S": 4}, "分区隔离", "shift", [(A, "与可燃物分库存放")]),
        ("W2-U2", "腐蚀品储存", "酸碱", 7, "包装破损、泄漏", "LEC",
         {"L": 1, "E": 6, "C": 7}, {"L": 0.5, "E": 6, "C": 7}, "防渗托盘、洗眼器", "daily",
         [(M, "防渗托盘"), (E, "设洗眼器和喷淋装置"), (P, "佩戴防酸手套")]),
        ("W5-U1", "消防泵运行", "电气、旋转设备", 3, "检修时误启动", "LEC",
         {"L": 1, "E": 3, "C": 7}, {"L": 0.5, "E": 3, "C": 7}, "上锁挂牌", "weekly",
         [(A, "检修上锁挂牌"), (A, "每周试泵")]),
        ("W3", "储罐区动火作业", "可燃气体", 18, "动火未检测", "LS",
         {"L": 3, "S": 5}, {"L": 1, "S": 5}, "动火证、气体检测", "daily",
         [(A, "特级动火审批, 专人监护"), (M, "动火前气体检测")]),
        ("W3", "储罐区雷击", "雷电", 8, "防雷接地失效", "LEC",
         {"L": 1, "E": 10, "C": 15}, {"L": 0.5, "E": 10, "C": 15}, "防雷检测报告", "quarterly",
         [(A, "每半年防雷检测")]),
        ("W4", "装卸区中毒", "甲醇蒸气", 19, "通风不良", "LEC",
         {"L": 1, "E": 6, "C": 7}, {"L": 0.5, "E": 6, "C": 7}, "有毒气体报警", "daily",
         [(M, "有毒气体报警")]),
        ("W1", "仓库电气", "电气火花", 8, "非防爆电气", "LEC",
         {"L": 1, "E": 6, "C": 15}, {"L": 0.5, "E": 6, "C": 15}, "防爆电气", "monthly",
         [(M, "全部采用防爆电气")]),
    ],
    [
        Hazard("W3-U1", "液化石油气储罐紧急切断阀未投用, 可燃气体报警未接入控制室", "major", "rectifying", 15, 30,
               "恢复紧急切断阀并接入SIS, 报警信号接入控制室; 整改期间储罐降液位运行", 120000,
               "液化石油气储罐泄漏专项应急预案", xy=(40, 58)),
        Hazard("W4-U1", "装车鹤位静电接地报警仪故障", "general", "rectifying", 35, -10, "更换报警仪", 4000, xy=(160, 45)),
        Hazard("W1-U1", "甲类库1-1 货物堆垛距灯具不足0.5m", "general", "closed", 50, -35, "调整堆垛", 0,
               rectifier="孙永刚", verified_by="吴晓东", verify_result="复查合格", xy=(34, 128)),
        Hazard("W2-U2", "洗眼器水压不足", "general", "reported", 3, 10, xy=(146, 120)),
    ],
    {"code": "HS-01", "name": "储罐区 重大危险源", "area": "W3", "rect": (15, 15, 110, 70),
     "inventory": {"甲醇": 600, "液化石油气": 42}},
    {"exits": [(120, 0), (240, 60)], "assembly": [(215, 160)]},
)

PLANTS = [ALUMINIUM, POLISHING, WAREHOUSE]


def _origin(city: Region, plant: Plant) -> tuple[float, float, str]:
    """The centre of a grid of the chosen town: a point inside the city, not a hard-coded coordinate."""
    district = next(d for d in city.children if d.adcode == plant.district)
    town = next(t for t in district.children if t.name == plant.town)
    grid = max(town.children, key=lambda g: g.geom.area)
    p = shapely.point_on_surface(grid.geom)
    return p.x, p.y, grid.adcode


@dataclass
class DrawnPlant:
    enterprise: EnterpriseRec
    hazards: list[dict]
    source: dict | None
    frame: LocalFrame


def build_plants(city: Region, rng: np.random.Generator, uscc: UsccMaker, profile: Profile) -> list[DrawnPlant]:
    out = []
    districts = {d.adcode: d for d in city.children}
    for plant in PLANTS:
        x, y, grid_code = _origin(city, plant)
        w = max(p[0] for p in plant.outline)
        h = max(p[1] for p in plant.outline)
        frame = LocalFrame(x, y, plant.angle)

        def rect(r, frame=frame, w=w, h=h):
            return frame.rect(r[0] - w / 2, r[1] - h / 2, r[2], r[3])

        boundary = shapely.MultiPolygon([frame.polygon([(px - w / 2, py - h / 2) for px, py in plant.outline])])
        district = districts[plant.district]
        town = next(t for t in walk(city) if t.level == "town" and t.name == plant.town)
        e = EnterpriseRec(uscc(plant.district), plant.name, plant.industry, plant.scale, plant.employees,
                          f"{district.name}{town.name}工业园{int(rng.integers(1, 99))}号", grid_code,
                          shapely.Point(x, y), boundary, person(rng), person(rng), phone(rng))
        e.areas.append(AreaRec("P1", "厂区", "plant", boundary))
        for code, name, kind, parent, r, headcount, equipment, activities in plant.areas:
            e.areas.append(AreaRec(f"P1-{code}", name, kind, rect(r), parent=f"P1-{parent}" if parent else "P1",
                                   headcount=headcount, equipment=equipment, activities=activities))
        for (area, name, factors, acc, causes, method, inputs, residual, content, period, measures) in plant.risks:
            inh = assess(method, inputs, profile)
            if isinstance(residual, dict):
                res = assess(method, residual, profile)
                res_level, res_score, res_inputs = res.level.value, res.score, res.inputs
            else:
                res_level, res_score, res_inputs = residual, None, None
            if Level(res_level) > inh.level:
                res_level = inh.level.value
            basis = "; ".join(inh.basis) if method == "direct" else None
            e.risks.append(Risk(f"P1-{area}", name, factors, acc, causes, method, inh.inputs, res_inputs,
                                inh.level.value, res_level, inh.score, res_score, TIER[res_level], person(rng),
                                phone(rng), content, period, measures, basis=basis))
        hazards = []
        for hz in plant.hazards:
            found = REFERENCE_DATE - dt.timedelta(days=hz.found_days_ago)
            hx, hy = hz.xy if hz.xy else (w / 2, h / 2)
            hazards.append({
                "area_code": f"P1-{hz.area_code}", "description": hz.description, "grade": hz.grade,
                "status": hz.status, "found_at": found, "found_by": person(rng),
                "deadline": found + dt.timedelta(days=hz.found_days_ago + hz.deadline_days),
                "measures": hz.measures, "funds": hz.funds, "plan": hz.plan,
                "dept": "安全环保部" if hz.grade == "major" else "生产部",
                "person": person(rng) if hz.measures else None,
                "rectifier": hz.rectifier, "verified_by": hz.verified_by, "verify_result": hz.verify_result,
                "location": frame.point(hx - w / 2, hy - h / 2),
            })
        source = None
        if plant.source:
            s = plant.source
            source = {"code": s["code"], "name": s["name"], "area_code": f"P1-{s['area']}",
                      "boundary": rect(s["rect"]),
                      "location": shapely.point_on_surface(rect(s["rect"])),
                      "inventory": s["inventory"]}
        out.append(DrawnPlant(e, hazards, source, frame))
    return out
