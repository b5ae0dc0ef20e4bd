"""Risk templates of the synthetic enterprises (by industry and workshop type) and their grading.

Each template is one 风险点 as a 附件1 risk list would have it: activity, hazard factors, GB 6441
accident type, causes, consequences, typed control measures (Shandong guide 第八条 order) and what to
check. ``severity`` is the worst credible consequence on the LEC C scale; a template is only given
LEC inputs whose C fits it, so that a fall from a ladder is never graded a catastrophe.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from layers.assessment import Profile, assess
from layers.levels import Level

KIND = {"消": "elimination", "替": "substitution", "工": "engineering", "管": "administrative", "防": "ppe",
        "应": "emergency"}
TIER = {"major": "company", "significant": "workshop", "general": "team", "low": "post"}
PERIOD = {"major": ("shift",), "significant": ("shift", "daily"), "general": ("daily", "weekly"),
          "low": ("weekly", "monthly", "quarterly")}


@dataclass(frozen=True)
class RiskTemplate:
    name: str
    factors: str
    accident: int
    causes: str
    consequences: str
    measures: tuple[tuple[str, str], ...]
    check: str
    severity: float = 15


@dataclass(frozen=True)
class WorkshopType:
    name: str
    risks: tuple[RiskTemplate, ...]


@dataclass
class Risk:
    """One graded risk as it is inserted (``area_code`` names its area within the enterprise)."""

    area_code: str
    name: str
    hazard_factors: str
    accident_type: int
    causes: str | None
    consequences: str | None
    method: str
    inputs: dict
    score: float | None
    inherent: str
    residual: str
    residual_inputs: dict | None
    residual_score: float | None
    tier: str
    responsible: str
    phone: str
    unit: str
    check_content: str
    period: str
    measures: list[tuple[str, str]]
    basis: str | None = None


def _t(name: str, factors: str, accident: int, causes: str, consequences: str, measures: str, check: str,
       severity: float = 15) -> RiskTemplate:
    """A template; ``measures`` are ';'-separated, each starting with its kind: 消替工管防应."""
    ms = tuple((KIND[m.strip()[0]], m.strip()[1:].strip("：: ")) for m in measures.split(";") if m.strip())
    return RiskTemplate(name, factors, accident, causes, consequences, ms, check, severity)


# -- shared by every industry -----------------------------------------------------------------------
COMMON = (
    _t("配电室巡检及停送电", "带电设备、绝缘老化", 5, "绝缘破损、未断电验电作业、无证电工操作",
       "作业人员触电死亡或电弧灼伤", "工:配电柜加装防护遮栏与漏电保护;管:执行停送电工作票和验电挂牌制度;防:佩戴绝缘手套、穿绝缘鞋",
       "绝缘工器具试验记录、接地电阻、漏电保护器动作试验", 15),
    _t("叉车搬运", "厂内机动车辆", 2, "超速、视线受阻、无证驾驶、人车混行", "碾压、撞击致人伤亡",
       "工:加装倒车影像与蓝光警示灯;管:持证上岗, 厂内限速5km/h, 人车分流;防:行人穿反光背心",
       "叉车制动、喇叭、灯光、驾驶员证件", 15),
    _t("有限空间作业(污水池、储罐清理)", "缺氧、硫化氢等有毒气体", 19, "未通风检测即进入、无人监护、盲目施救",
       "中毒窒息, 施救不当导致多人伤亡",
       "消:污水池加装机械清淤装置, 减少人员进入;管:执行有限空间作业审批, 先通风、再检测、后作业;工:配置强制通风设备和四合一气体检测仪;应:配备正压式呼吸器、三脚架, 严禁盲目施救",
       "作业审批单、气体检测记录、监护人在岗", 40),
    _t("登高检修作业", "高处作业、临边", 9, "未系安全带、脚手架搭设不规范", "高处坠落致人重伤或死亡",
       "工:临边设防护栏杆;管:高处作业审批, 专人监护;防:系挂双钩安全带", "作业审批、安全带、脚手架验收", 15),
    _t("空压机储气罐", "压力容器", 17, "安全阀失效、超压运行、罐体腐蚀", "储气罐爆炸, 碎片伤人",
       "工:设超压联锁停机和安全阀;管:安全阀年度校验, 压力容器定期检验", "安全阀校验日期、压力表、排污", 15),
)

# -- industry workshop types --------------------------------------------------------------------------
WORKSHOPS: dict[str, tuple[WorkshopType, ...]] = {
    "machinery": (
        WorkshopType("冲压车间", (
            _t("冲压作业", "冲压设备运动部件", 3, "光电保护失灵、双手按钮被短接、违章用手送料",
               "手指、手掌被冲压致残", "消:大批量件改用自动送料和机械手取件;工:加装光电保护和双手操作按钮;管:单人单机操作, 严禁手伸入模区;防:使用专用送料工具",
               "光电保护、急停按钮、离合器与制动器", 15),
            _t("模具更换", "重物、模具", 1, "模具未垫稳、吊具选用不当", "模具滑落砸伤",
               "工:使用换模台车;管:换模两人配合, 停机上锁挂牌;防:穿防砸安全鞋", "吊具、换模台车", 7),
            _t("行车吊运", "桥式起重机", 4, "钢丝绳断股、限位失效、违章指挥、吊物下站人", "吊物坠落致人伤亡",
               "工:安装起升高度限位和超载限制器;管:持证操作与指挥, 吊物下严禁站人;防:佩戴安全帽",
               "钢丝绳、吊钩、限位、制动器", 15),
        )),
        WorkshopType("焊接车间", (
            _t("电焊作业", "电弧、焊机外壳带电", 5, "焊机接地不良、焊钳绝缘破损、潮湿环境作业", "触电伤亡",
               "工:焊机设二次侧空载降压保护;管:持证上岗, 每班检查焊把线;防:穿绝缘鞋、戴焊工手套", "焊机接地、电缆绝缘", 15),
            _t("气割动火", "乙炔、氧气、焊渣", 8, "动火未审批、周边可燃物未清理、回火", "引燃可燃物造成火灾",
               "工:气瓶加装回火防止器;管:执行动火作业审批, 清理10米内可燃物;应:动火点配置灭火器和接火盆",
               "动火证、回火防止器、消防器材", 15),
            _t("气瓶储存使用", "乙炔瓶、氧气瓶", 17, "气瓶混放、暴晒、卧放使用", "气瓶爆炸伤人",
               "工:设气瓶防倾倒链和专用间;管:氧气瓶与乙炔瓶间距不小于5米, 空实瓶分开", "气瓶检验期、防倾倒措施", 15),
        )),
        WorkshopType("机加工车间", (
            _t("车床加工", "旋转卡盘、切屑", 3, "戴手套操作、卡盘扳手未取下、防护罩缺失", "衣物卷入致手臂伤害",
               "工:旋转部位加装防护罩和联锁;管:严禁戴手套操作旋转设备;防:扎紧袖口、佩戴防护眼镜", "防护罩、急停装置", 7),
            _t("砂轮打磨", "砂轮、飞溅物", 1, "砂轮破裂、托架间隙过大", "砂轮碎片击伤",
               "工:砂轮机设防护罩, 托架间隙不大于3mm;防:佩戴防护面罩", "砂轮有无裂纹、托架间隙", 7),
            _t("切削液使用", "切削液、油雾", 20, "长期接触、油雾浓度高", "皮肤病、呼吸道刺激",
               "工:加工中心设油雾收集器;防:佩戴防护手套", "油雾收集器运行", 3),
        )),
        WorkshopType("装配车间", (
            _t("行车吊运工件", "起重机械", 4, "吊索具破损、斜拉斜吊", "吊物坠落伤人",
               "工:安装超载限制器;管:吊索具每日点检;防:佩戴安全帽", "吊索具、限位", 15),
            _t("装配作业", "手持电动工具", 3, "工具漏电、防护不当", "手部割伤、挤压",
               "管:电动工具定期检测;防:佩戴防割手套", "电动工具绝缘", 7),
            _t("产品试验", "液压、气压试验", 17, "试压超压、管件飞脱", "试件爆裂伤人",
               "工:试压区设防护挡板;管:试压时划定警戒区", "压力表、安全阀", 15),
        )),
        WorkshopType("抛光车间", (
            _t("铝镁金属抛光打磨", "可燃性金属粉尘", 18, "除尘系统失效、粉尘积聚遇火花", "粉尘爆炸造成群死群伤",
               "工:每个工位设吸尘罩并采用湿式除尘;管:每班清扫积尘, 严禁压缩空气吹扫;工:电气设备防爆, 设备可靠接地;应:编制粉尘爆炸现场处置方案",
               "除尘器运行、积尘清扫记录、防爆电气", 40),
            _t("除尘器清灰", "积尘、氢气", 18, "湿式除尘器泥浆未清理产生氢气", "除尘器爆炸",
               "工:除尘器水位与风机联锁;管:泥浆每日清理", "水位、风机、排氢通风", 40),
        )),
        WorkshopType("涂装车间", (
            _t("喷漆作业", "有机溶剂蒸气", 8, "通风不良、非防爆电气、静电火花", "喷漆房火灾爆炸",
               "替:使用水性漆替代溶剂型油漆;工:防爆排风与可燃气体报警;防:佩戴防毒面具", "排风、静电接地、防爆电气", 40),
            _t("调漆作业", "苯系物", 19, "调漆间通风不良、未佩戴防毒面具", "苯系物中毒",
               "工:调漆间设局部排风;管:限量存放一天用量;防:佩戴防毒面具", "排风设施、滤毒罐更换", 15),
        )),
        WorkshopType("热处理车间", (
            _t("淬火作业", "淬火油、高温工件", 8, "淬火油温过高、工件入油过慢", "淬火油槽起火",
               "工:油槽设温控和自动灭火装置;应:配备油槽盖板和灭火器", "油温、灭火装置", 15),
            _t("加热炉操作", "高温炉体", 7, "开炉门时热气外喷、未戴隔热手套", "高温灼烫",
               "工:炉门设联锁;防:佩戴隔热手套和面罩", "炉门联锁、防护用品", 7),
        )),
    ),
    "light": (
        WorkshopType("注塑车间", (
            _t("注塑机操作", "合模机构", 3, "安全门联锁失效、违章伸手取件", "手臂被合模挤压",
               "工:安全门三重联锁;管:严禁短接联锁", "安全门联锁", 15),
            _t("烘料与换料", "高温熔料", 7, "清理喷嘴时熔料喷出", "烫伤",
               "防:佩戴隔热手套和面罩;管:清理前降温泄压", "防护用品", 7),
        )),
        WorkshopType("印刷车间", (
            _t("印刷机操作", "滚筒咬合部位", 3, "运行中擦拭滚筒", "手指卷入致残",
               "工:滚筒入口设防护挡条;管:清洁时停机点动", "防护挡条、急停", 15),
            _t("油墨溶剂使用", "易燃溶剂", 8, "溶剂挥发遇静电火花", "车间火灾",
               "替:改用低VOC油墨;工:局部排风和防爆电气;管:溶剂限量存放", "溶剂存量、排风", 15),
        )),
        WorkshopType("木工车间", (
            _t("木工机械操作", "平刨、圆锯", 3, "防护装置拆除、徒手推料", "手指切断",
               "工:平刨设护指键, 圆锯设防反弹装置;管:短料使用推料棒", "防护装置完好", 15),
            _t("木粉尘收集", "可燃性木粉尘", 18, "除尘管道积尘、布袋除尘器无泄爆", "粉尘爆炸",
               "工:除尘器设泄爆片和火花探测;管:每班清扫积尘", "泄爆片、积尘清扫记录", 40),
        )),
        WorkshopType("食品加工车间", (
            _t("搅拌绞切", "搅拌机、绞肉机", 3, "投料口无防护、运行中伸手", "手臂卷入",
               "工:投料口加装联锁防护盖;管:清洗时断电挂牌", "联锁装置", 15),
            _t("蒸汽锅炉运行", "承压锅炉", 16, "水位计失灵、安全阀失效、缺水干烧", "锅炉爆炸",
               "工:高低水位报警联锁;管:司炉工持证, 安全阀年检", "水位计、安全阀、压力表", 40),
            _t("冷库作业", "低温、氨制冷剂", 19, "制冷管道泄漏、人员被困库内", "氨中毒、冻伤",
               "工:库内设氨气报警和内开门装置;应:配备正压式呼吸器", "报警器、库门内开装置", 40),
        )),
        WorkshopType("包装车间", (
            _t("分切与模切", "刀具", 3, "未停机清理刀口", "割伤",
               "工:刀具防护罩;管:停机清理", "防护罩", 7),
            _t("纸品仓储", "可燃物堆垛", 8, "电气线路老化、违规吸烟", "仓库火灾",
               "管:仓库严禁烟火, 定期检查线路;工:设置自动喷淋和烟感", "消防设施、电气线路", 15),
        )),
    ),
    "textile": (
        WorkshopType("梳棉车间", (
            _t("梳棉作业", "梳棉机转动部件", 3, "未停机处理缠花", "手部卷入",
               "工:防护罩与联锁;管:停机挂牌处理故障", "防护罩、联锁", 15),
            _t("棉尘清扫", "可燃纤维粉尘", 8, "飞花积聚、电气火花", "车间火灾",
               "工:车间设吸尘系统和防爆灯具;管:每班清扫飞花", "积尘、灯具", 15),
        )),
        WorkshopType("纺纱车间", (
            _t("细纱机操作", "罗拉、锭子", 3, "接头时手指卷入", "手指伤害",
               "工:罗拉防护罩;防:扎紧袖口", "防护罩", 7),
            _t("车间噪声", "机器噪声", 20, "长期暴露于85dB以上噪声", "噪声聋",
               "工:设备减振降噪;防:佩戴耳塞", "噪声检测", 3),
        )),
        WorkshopType("织造车间", (
            _t("织机操作", "梭子、打纬机构", 1, "飞梭、防护缺失", "飞梭击伤",
               "工:加装防飞梭装置;防:佩戴防护眼镜", "防飞梭装置", 7),
            _t("织机维修", "运动部件", 3, "维修时未断电", "机械伤害",
               "管:维修断电上锁挂牌", "上锁挂牌记录", 7),
        )),
        WorkshopType("印染车间", (
            _t("定型机运行", "导热油、积聚的油垢绒毛", 8, "烘箱内油垢积聚自燃", "定型机火灾",
               "工:设温度超限报警与自动灭火;管:每周清理烘箱油垢", "油垢清理记录、灭火装置", 15),
            _t("染缸操作", "高温蒸汽、染液", 7, "开缸时高温染液喷出", "烫伤",
               "工:染缸设压力联锁;防:佩戴防护面罩", "压力联锁", 7),
            _t("化学助剂配制", "烧碱、双氧水", 7, "配料时飞溅、未佩戴防护", "化学灼伤",
               "工:设洗眼器和喷淋装置;防:佩戴防化手套和护目镜", "洗眼器、防护用品", 7),
        )),
        WorkshopType("棉花仓库", (
            _t("棉包仓储", "可燃纤维", 8, "电气火花、外来火种", "仓库火灾",
               "工:防爆灯具, 自动喷淋;管:每班巡查, 严禁烟火", "消防设施", 15),
        )),
    ),
    "commerce": (
        WorkshopType("仓储库房", (
            _t("高位货架作业", "高位货架、货物", 1, "货物码放不稳、货架超载", "货物坠落砸伤",
               "管:重不压轻, 限高码放;工:货架设防撞护栏;防:佩戴安全帽", "货架稳定性、限载标识", 7),
            _t("堆垛作业", "货物堆垛", 10, "堆垛过高、底层受潮", "堆垛坍塌压人",
               "管:限定堆垛高度, 定期检查", "堆垛高度", 15),
            _t("登高理货", "高处作业", 9, "使用不稳的梯子、无人扶梯", "高处坠落",
               "工:使用带护栏的登高车;管:两人作业", "登高工具", 15),
        )),
        WorkshopType("装卸平台", (
            _t("货车装卸", "货车、叉车", 2, "车辆溜车、叉车驶出平台边缘", "车辆伤害",
               "工:设车轮止挡和登车桥;管:装卸时车辆熄火拉手刹", "止挡、登车桥", 15),
        )),
        WorkshopType("冷链库", (
            _t("冷库作业", "低温、氨制冷剂", 19, "制冷剂泄漏、人员被反锁", "中毒、冻伤",
               "工:库门内开装置和求救按钮;工:氨气报警联锁排风;应:配备正压式呼吸器", "报警器、求救按钮", 40),
        )),
    ),
    "building_materials": (
        WorkshopType("窑炉车间", (
            _t("窑炉作业", "高温窑体", 7, "窑门密封不严、违章靠近观察", "高温灼烫",
               "工:窑体隔热与警示线;防:佩戴隔热服", "窑体温度、密封", 7),
            _t("窑炉燃气系统", "天然气", 18, "点火前未吹扫、燃气泄漏", "炉膛爆炸",
               "工:熄火保护与燃气紧急切断阀;管:点火前吹扫并检测", "熄火保护、报警器", 40),
        )),
        WorkshopType("原料车间", (
            _t("破碎作业", "破碎机", 3, "清理堵料时未停机", "卷入致死",
               "工:加料口设防护栏;管:清堵停机上锁", "防护栏、上锁挂牌", 15),
            _t("皮带输送", "皮带机", 3, "运行中清理托辊", "卷入",
               "工:全线设拉绳开关与防护罩;管:停机清料", "拉绳开关", 15),
            _t("粉料库清库", "粉料、有限空间", 10, "库壁挂料突然塌落", "掩埋窒息",
               "管:清库审批, 严禁库底掏料;应:配置救援绳索", "清库审批", 40),
        )),
        WorkshopType("成品车间", (
            _t("成品吊运", "起重机械", 4, "吊具失效、违章吊运", "起重伤害",
               "工:吊具定期检测;管:持证指挥", "吊具、限位", 15),
            _t("玻璃搬运", "玻璃板", 1, "玻璃架倾倒、破碎", "割伤、砸伤",
               "工:使用专用玻璃架;防:佩戴防割手套", "玻璃架固定", 7),
        )),
    ),
    "hazchem": (
        WorkshopType("储罐区", (
            _t("储罐储存", "易燃液体蒸气", 18, "储罐泄漏、液位超高溢罐、遇点火源", "火灾爆炸, 波及周边",
               "工:设可燃气体报警、高液位联锁和紧急切断阀;管:执行巡检和动火管理;应:编制储罐泄漏现场处置方案并演练",
               "液位计、报警器、防雷防静电接地", 40),
            _t("储罐防雷防静电", "雷电、静电", 8, "接地电阻超标、呼吸阀阻火器失效", "储罐火灾",
               "工:储罐防雷防静电接地;管:每半年检测接地电阻", "接地电阻检测报告", 15),
        )),
        WorkshopType("甲类仓库", (
            _t("易燃液体储存", "易燃液体", 8, "包装破损泄漏、非防爆电气", "仓库火灾",
               "工:防爆电气和可燃气体报警;管:限量储存、分区分类", "防爆电气、储存量", 40),
            _t("禁忌物混存", "氧化剂与可燃物", 18, "禁忌物未隔离", "混触反应爆炸",
               "消:清退不符合本库储存条件的禁忌物品;管:按禁忌表分区存放;工:防火分隔", "分区标识、禁忌表", 40),
        )),
        WorkshopType("装卸区", (
            _t("槽车装卸", "有毒有害物料", 19, "鹤管连接不严、未佩戴防护", "中毒",
               "工:密闭装卸与气相平衡;防:佩戴防毒面具;管:装卸全程监护", "静电接地、鹤管密封", 15),
            _t("装卸静电", "易燃液体、静电", 8, "流速过快、未接地", "装卸火灾",
               "工:静电接地报警仪与装车泵联锁;管:控制装车流速", "静电接地报警仪", 40),
        )),
        WorkshopType("合成车间", (
            _t("反应釜操作", "放热反应", 17, "温度失控、冷却中断", "反应釜超压爆炸",
               "工:温度压力联锁与紧急冷却;管:严格执行操作规程", "联锁投用、仪表完好", 40),
            _t("精馏操作", "易燃物料", 8, "塔釜超温、法兰泄漏", "火灾",
               "工:设温度联锁和可燃气体报警;管:巡检法兰密封", "报警器、法兰密封", 15),
            _t("投料作业", "有毒物料", 19, "投料口无局部排风", "中毒",
               "工:密闭投料和局部排风;防:佩戴防毒面具", "排风设施", 15),
        )),
        WorkshopType("灌装车间", (
            _t("灌装作业", "易燃液体", 8, "灌装溢流、静电", "火灾",
               "工:定量灌装和静电接地;管:每班检查接地", "接地、定量装置", 15),
            _t("包装码垛", "码垛机", 3, "进入码垛区", "挤压",
               "工:码垛区设安全光栅", "安全光栅", 7),
        )),
    ),
    "metallurgy": (
        WorkshopType("炼钢车间", (
            _t("电炉冶炼", "高温钢水", 7, "炉料潮湿、钢水喷溅", "灼烫致死",
               "管:炉料干燥预热;工:炉前设防护屏;防:穿阻燃服", "炉料、防护屏", 40),
            _t("钢水吊运", "冶金起重机、钢包", 4, "制动器失效、钢包耳轴裂纹", "钢水倾翻致群死群伤",
               "工:起升机构设两套制动器;管:钢包定期探伤", "制动器、钢包耳轴", 40),
        )),
        WorkshopType("轧钢车间", (
            _t("轧机操作", "轧辊", 3, "处理卡钢未停机", "卷入",
               "工:轧机入口防护;管:处理故障停机挂牌", "防护、联锁", 15),
            _t("加热炉煤气", "一氧化碳", 19, "煤气管道泄漏、烧嘴回火", "煤气中毒",
               "工:固定式CO报警器;防:携带便携式报警仪;应:配备空气呼吸器", "报警器", 40),
        )),
        WorkshopType("铸造车间", (
            _t("浇注作业", "高温铁水", 7, "浇包倾翻、铁水遇水", "灼烫",
               "工:浇注通道干燥无积水;防:穿阻燃服", "浇包、地坑干燥", 15),
            _t("砂处理", "混砂机", 3, "运行中清理", "卷入",
               "工:检修门联锁", "联锁", 7),
        )),
    ),
    "nonferrous": (
        WorkshopType("熔铸车间", (
            _t("熔炼作业", "高温铝液", 7, "铝液喷溅、工具潮湿", "灼烫",
               "管:工具预热干燥;防:穿阻燃服、戴面罩", "炉体、工具", 15),
            _t("铸造作业", "铝液遇水", 18, "冷却水泄漏进入铸造井", "铝液遇水爆炸",
               "工:冷却水流量与液位联锁;应:配置紧急排水和快速切断", "冷却水系统", 40),
        )),
        WorkshopType("挤压车间", (
            _t("挤压作业", "高压液压、高温铸棒", 3, "挤压筒爆裂、铸棒飞出", "机械伤害",
               "工:挤压机前后设防护挡板;管:操作区设警戒线", "防护挡板、急停", 15),
        )),
        WorkshopType("拉拔车间", (
            _t("拉拔作业", "拉拔机", 3, "夹钳脱落、断线回弹", "击伤",
               "工:拉拔机设防护网", "防护网", 7),
        )),
        WorkshopType("表面处理车间", (
            _t("酸洗作业", "硫酸、硝酸", 7, "酸液飞溅、酸雾", "化学灼伤",
               "工:酸洗槽设槽边抽风;防:佩戴防酸手套和护目镜;应:设洗眼器", "抽风、洗眼器", 7),
        )),
    ),
    "tobacco": (
        WorkshopType("烟叶仓库", (
            _t("烟叶仓储", "可燃物", 8, "电气火灾", "仓库火灾",
               "工:自动喷淋;管:禁烟管理", "消防设施", 15),
        )),
        WorkshopType("卷包车间", (
            _t("卷接机操作", "高速运动部件", 3, "运行中清理", "卷入",
               "工:防护罩联锁;管:停机清理", "联锁", 7),
            _t("烟草粉尘", "可燃粉尘", 18, "除尘系统积尘", "粉尘燃爆",
               "工:除尘器泄爆;管:定期清灰", "泄爆、清灰记录", 15),
        )),
    ),
    "other": (
        WorkshopType("电池仓库", (
            _t("锂电池仓储", "热失控", 8, "电池短路、过充", "火灾",
               "工:分区隔离与温感;管:限量存放", "温度监测", 40),
        )),
        WorkshopType("电子车间", (
            _t("清洗作业", "有机溶剂", 19, "通风不良", "中毒",
               "工:局部排风;防:佩戴防毒口罩", "排风设施", 7),
            _t("回流焊", "高温设备", 7, "维修时未降温", "烫伤",
               "管:维修前降温", "温度", 3),
        )),
        WorkshopType("组件车间", (
            _t("层压作业", "高温层压机", 7, "开盖时接触高温", "烫伤",
               "工:联锁开盖;防:隔热手套", "联锁", 7),
            _t("组件搬运", "重物", 1, "搬运不当", "砸伤",
               "防:穿防砸鞋", "防护用品", 3),
        )),
    ),
}

#: Where a synthetic 重大危险源 sits, by what it holds.
SOURCE_WORKSHOP = {
    "hazchem": WORKSHOPS["hazchem"][0],   # 储罐区
    "coal_gas": WorkshopType("煤气站", (
        _t("煤气柜及管网", "一氧化碳、可燃气体", 19, "煤气泄漏、检修未置换", "煤气中毒及爆炸",
           "工:煤气区域设固定式CO报警和风向标;管:进入煤气区域两人同行并携带报警仪;应:配备空气呼吸器",
           "报警器、水封、放散阀", 40),
    )),
    "natural_gas": WorkshopType("天然气调压站", (
        _t("天然气调压及管网", "天然气", 18, "调压器失效、管道泄漏遇点火源", "爆炸着火",
           "工:调压站设可燃气体报警和紧急切断阀;管:区域严禁烟火, 动火审批;应:配置灭火器和防爆工具",
           "报警器、切断阀、防雷接地", 40),
    )),
}

# -- grading ---------------------------------------------------------------------------------------
LecCombos = dict[str, list[tuple[float, float, float]]]


def lec_combos(profile: Profile) -> LecCombos:
    """Residual LEC inputs by the level they grade to (L below 10 so that the inherent L can be one
    step higher; E at most 6; C below 100)."""
    scales = {f: sorted(profile.scale("LEC", f)) for f in ("L", "E", "C")}
    out: LecCombos = {lv.value: [] for lv in Level}
    for L, E, C in itertools.product(scales["L"], scales["E"], scales["C"]):
        if L >= 10 or C >= 100 or E > 6 or L < 0.5:
            continue
        out[assess("LEC", {"L": L, "E": E, "C": C}, profile).level.value].append((L, E, C))
    return out


def step_up(profile: Profile, L: float) -> float:
    """The next value up the L scale (the likelihood without the controls)."""
    up = sorted(profile.scale("LEC", "L"))
    return up[min(up.index(L) + 1, len(up) - 1)]


def fits(t: RiskTemplate, level: str, combos: LecCombos) -> list[tuple[float, float, float]]:
    """The residual LEC inputs at ``level`` whose consequence C suits the template."""
    return [c for c in combos[level] if t.severity / 6 <= c[2] <= t.severity]


def lec_risk(area_code: str, t: RiskTemplate, level: str, rng: np.random.Generator, combos: LecCombos,
             profile: Profile, owner) -> Risk:
    """A risk from a template, graded by LEC to ``level`` (residual); inherent has L one step up."""
    options = fits(t, level, combos)
    L, E, C = options[int(rng.integers(len(options)))]
    res = assess("LEC", {"L": L, "E": E, "C": C}, profile)
    inh = assess("LEC", {"L": step_up(profile, L), "E": E, "C": C}, profile)
    tier = TIER[res.level.value]
    name, phone, unit = owner(tier)
    periods = PERIOD[res.level.value]
    return Risk(area_code, t.name, t.factors, t.accident, t.causes, t.consequences, "LEC", inh.inputs, inh.score,
                inh.level.value, res.level.value, res.inputs, res.score, tier, name, phone, unit, t.check,
                periods[int(rng.integers(len(periods)))], list(t.measures))


def direct_risk(area_code: str, t: RiskTemplate, inputs: dict, profile: Profile, owner) -> Risk:
    """A risk graded by 直接判定 (Shandong guide 第七条): the level is the rule's, before and after controls."""
    res = assess("direct", inputs, profile)
    level = res.level.value
    tier = TIER[level]
    name, phone, unit = owner(tier)
    return Risk(area_code, t.name, t.factors, t.accident, t.causes, t.consequences, "direct", res.inputs, None,
                level, level, None, None, tier, name, phone, unit, t.check, PERIOD[level][0], list(t.measures),
                basis="; ".join(res.basis))
