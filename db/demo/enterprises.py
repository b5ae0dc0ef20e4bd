"""About 2,000 synthetic enterprises in industrial clusters, each with a simple plant and risks."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from db.demo.names import INDUSTRY_WORDS, PREFIXES, ROADS
from db.demo.regions import Region, person, phone, random_points_in, walk
from layers.assessment import Profile, assess
from layers.levels import Level
from layers.uscc import ALPHABET, check_char

N_ENTERPRISES = 2000
INDUSTRY_MIX = {"machinery": 0.30, "light": 0.14, "textile": 0.12, "commerce": 0.10, "building_materials": 0.08,
                "hazchem": 0.08, "metallurgy": 0.05, "nonferrous": 0.05, "other": 0.07, "tobacco": 0.01}
SCALE_MIX = {"large": 0.05, "medium": 0.15, "small": 0.45, "micro": 0.35}
SCALE_SIZE_M = {"large": (400, 300), "medium": (200, 150), "small": (90, 70), "micro": (40, 30)}
SCALE_EMPLOYEES = {"large": (1000, 3000), "medium": (300, 999), "small": (20, 299), "micro": (3, 19)}
# clusters (工业园区) per district: the industrial districts weigh more
CLUSTERS = {"320412": 5, "320411": 4, "320402": 2, "320404": 2, "320413": 2, "320481": 3}
# target distribution of enterprise residual levels
LEVEL_MIX = {"major": 0.03, "significant": 0.16, "general": 0.41, "low": 0.40}
LEVEL_MIX_HAZCHEM = {"major": 0.10, "significant": 0.35, "general": 0.40, "low": 0.15}
TIER = {"major": "company", "significant": "workshop", "general": "team", "low": "post"}
M_PER_DEG_LAT = 110_540.0


class LocalFrame:
    """Local metres (x east, y north, rotated by ``angle`` degrees) around a lon/lat origin."""

    def __init__(self, lon: float, lat: float, angle: float = 0.0):
        self.lon, self.lat = lon, lat
        self.kx = 111_320.0 * math.cos(math.radians(lat))
        self.c, self.s = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def to_lonlat(self, xy):
        xy = np.asarray(xy, dtype=float)
        x = xy[..., 0] * self.c - xy[..., 1] * self.s
        y = xy[..., 0] * self.s + xy[..., 1] * self.c
        return np.stack([self.lon + x / self.kx, self.lat + y / M_PER_DEG_LAT], axis=-1)

    def polygon(self, coords) -> Polygon:
        return Polygon(self.to_lonlat(np.asarray(coords, dtype=float)))

    def rect(self, x: float, y: float, w: float, h: float) -> MultiPolygon:
        return MultiPolygon([self.polygon([(x, y), (x + w, y), (x + w, y + h), (x, y + h)])])

    def point(self, x: float, y: float) -> Point:
        lon, lat = self.to_lonlat(np.array([x, y]))
        return Point(lon, lat)


# Risk templates per industry: (作业活动/风险点, 危险有害因素, GB 6441 code, 可能导致事故的原因, 管控措施 [(kind, text)], 排查内容)
T = tuple[str, str, int, str, list[tuple[str, str]], str]
COMMON: list[T] = [
    ("配电室巡检", "带电设备、绝缘老化", 5, "绝缘破损、未断电作业、未穿绝缘鞋",
     [("engineering", "配电柜加装防护遮栏与漏电保护"), ("administrative", "执行停送电工作票制度"),
      ("ppe", "佩戴绝缘手套、穿绝缘鞋")], "绝缘工器具、接地、漏电保护试验记录"),
    ("叉车搬运", "厂内机动车辆", 2, "超速、视线受阻、无证驾驶", [("administrative", "持证上岗, 厂内限速5km/h"),
     ("engineering", "加装倒车影像与蜂鸣"), ("ppe", "穿反光背心")], "叉车制动、喇叭、灯光及驾驶证"),
    ("有限空间作业", "缺氧、有毒气体", 19, "未通风检测、无人监护", [("administrative", "执行有限空间作业审批, 先通风再检测后作业"),
     ("engineering", "配置强制通风设备和四合一气体检测仪"), ("emergency", "配备正压式呼吸器和三脚架")],
     "作业审批、气体检测记录、监护人在岗"),
]
TEMPLATES: dict[str, list[T]] = {
    "machinery": [
        ("冲压作业", "冲压设备运动部件", 3, "双手按钮失效、光电保护失灵、违章送料", [("engineering", "加装光电保护和双手操作按钮"),
         ("administrative", "单人单机操作, 严禁手伸入模区"), ("ppe", "佩戴防护手套")], "光电保护、急停按钮、离合器"),
        ("行车吊运", "起重机械", 4, "钢丝绳断股、限位失效、违章指挥", [("engineering", "安装起升高度限位和超载限制器"),
         ("administrative", "持证指挥, 吊物下严禁站人"), ("ppe", "佩戴安全帽")], "钢丝绳、吊钩、限位、制动"),
        ("焊接作业", "电弧、焊渣", 8, "动火未审批、周边可燃物未清理", [("administrative", "执行动火作业审批"),
         ("engineering", "配置灭火器和接火盆"), ("ppe", "佩戴焊接面罩和手套")], "动火证、消防器材"),
        ("机加工", "旋转部件", 3, "戴手套操作车床、防护罩缺失", [("engineering", "旋转部位加装防护罩"),
         ("administrative", "车床作业禁止戴手套")], "防护罩、急停装置"),
    ],
    "light": [
        ("注塑作业", "高温熔料、合模机构", 7, "安全门联锁失效", [("engineering", "安全门联锁装置"), ("ppe", "佩戴隔热手套")], "联锁装置"),
        ("纸品仓储", "可燃物堆垛", 8, "电气线路老化、违规吸烟", [("administrative", "仓库严禁烟火, 定期检查线路"),
         ("engineering", "设置自动喷淋和烟感")], "消防设施、电气线路"),
        ("分切作业", "刀具", 3, "未停机清理刀口", [("engineering", "刀具防护罩"), ("administrative", "停机清理")], "防护罩"),
    ],
    "textile": [
        ("梳棉作业", "梳棉机转动部件", 3, "未停机处理缠花", [("engineering", "防护罩与联锁"), ("administrative", "停机挂牌处理故障")], "防护罩"),
        ("棉花仓储", "可燃纤维", 8, "电气火花、静电", [("engineering", "防爆灯具, 自动喷淋"), ("administrative", "每班巡查")], "消防设施"),
        ("印染作业", "高温蒸汽、化学助剂", 7, "管道泄漏、未佩戴防护", [("engineering", "蒸汽管道保温与警示"), ("ppe", "佩戴防化手套")], "管道阀门"),
    ],
    "commerce": [
        ("货架区作业", "高位货架", 1, "货物码放不稳", [("administrative", "重不压轻, 限高码放"), ("ppe", "佩戴安全帽")], "货架稳定性"),
        ("登高理货", "高处作业", 9, "梯子不稳、无人扶梯", [("engineering", "使用带护栏的登高车"), ("administrative", "两人作业")], "登高工具"),
    ],
    "building_materials": [
        ("窑炉作业", "高温窑体", 7, "窑门密封不严、违章靠近", [("engineering", "窑体隔热与警示线"), ("ppe", "佩戴隔热服")], "窑体温度"),
        ("粉料输送", "粉尘、皮带机", 3, "皮带未停机清理", [("engineering", "拉绳开关与防护罩"), ("administrative", "停机清料")], "拉绳开关"),
    ],
    "hazchem": [
        ("储罐区", "易燃液体蒸气", 18, "储罐泄漏遇点火源", [("engineering", "设置可燃气体报警和紧急切断阀"),
         ("administrative", "执行巡检和动火管理"), ("emergency", "编制储罐泄漏现场处置方案并演练")], "液位、报警器、防雷接地"),
        ("装卸作业", "有毒有害物料", 19, "鹤管连接不严、未佩戴防护", [("engineering", "密闭装卸与气相平衡"),
         ("ppe", "佩戴防毒面具"), ("administrative", "装卸全程监护")], "静电接地、鹤管密封"),
        ("反应釜操作", "放热反应", 17, "温度失控、冷却中断", [("engineering", "温度联锁与紧急冷却"),
         ("administrative", "严格执行操作规程")], "联锁投用、仪表完好"),
    ],
    "metallurgy": [
        ("炼钢作业", "高温钢水", 7, "钢包倾翻、喷溅", [("engineering", "钢包定期检测"), ("ppe", "穿阻燃服")], "钢包耳轴"),
        ("煤气区域", "一氧化碳", 19, "煤气泄漏", [("engineering", "固定式CO报警器"), ("ppe", "携带便携式报警仪")], "报警器"),
    ],
    "nonferrous": [
        ("熔炼作业", "高温铝液", 7, "铝液喷溅、工具潮湿", [("administrative", "工具预热干燥"), ("ppe", "穿阻燃服、戴面罩")], "炉体、工具"),
        ("铸造作业", "铝液遇水", 18, "冷却水泄漏进入铸造井", [("engineering", "冷却水流量与液位联锁"),
         ("emergency", "配置紧急排水和快速切断")], "冷却水系统"),
    ],
    "tobacco": [("烟叶仓储", "可燃物", 8, "电气火灾", [("engineering", "自动喷淋"), ("administrative", "禁烟管理")], "消防设施")],
    "other": [
        ("锂电池仓储", "热失控", 8, "电池短路", [("engineering", "分区隔离与温感"), ("administrative", "限量存放")], "温度监测"),
        ("清洗作业", "有机溶剂", 19, "通风不良", [("engineering", "局部排风"), ("ppe", "佩戴防毒口罩")], "排风设施"),
    ],
}
PERIODS = ["shift", "daily", "weekly", "monthly"]


def _lec(profile: Profile, L: float, E: float, C: float):
    return assess("LEC", {"L": L, "E": E, "C": C}, profile)


def _lec_combos(profile: Profile) -> dict[str, list[tuple[float, float, float]]]:
    """Every residual LEC combination by the level it grades to (L below 10 so L can step up)."""
    scales = {f: sorted(profile.scale("LEC", f)) for f in ("L", "E", "C")}
    out: dict[str, list] = {lv.value: [] for lv in Level}
    for L, E, C in itertools.product(scales["L"], scales["E"], scales["C"]):
        if L >= 10 or C >= 100 or E > 6:
            continue
        out[_lec(profile, L, E, C).level.value].append((L, E, C))
    return out


def _step_up(profile: Profile, L: float) -> float:
    up = sorted(profile.scale("LEC", "L"))
    return up[min(up.index(L) + 1, len(up) - 1)]


@dataclass
class Risk:
    area_code: str
    name: str
    hazard_factors: str
    accident_type: int
    causes: str
    method: str
    inputs: dict
    residual_inputs: dict | None
    inherent: str
    residual: str
    score: float | None
    residual_score: float | None
    tier: str
    responsible: str
    phone: str
    check_content: str
    period: str
    measures: list[tuple[str, str]]
    basis: str | None = None
    consequences: str | None = None


@dataclass
class AreaRec:
    code: str
    name: str
    kind: str
    geom: MultiPolygon
    parent: str | None = None
    headcount: int | None = None
    equipment: str | None = None
    activities: str | None = None


@dataclass
class EnterpriseRec:
    uscc: str
    name: str
    industry: str
    scale: str
    employees: int
    address: str
    grid: str
    location: Point
    boundary: MultiPolygon
    legal_rep: str
    safety_manager: str
    contact_phone: str
    areas: list[AreaRec] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)


def make_risk(area_code: str, template: T, level: str, rng: np.random.Generator, combos, profile: Profile) -> Risk:
    name, factors, acc, causes, measures, content = template
    L, E, C = combos[level][int(rng.integers(len(combos[level])))]
    res = _lec(profile, L, E, C)
    inh = _lec(profile, _step_up(profile, L), E, C)
    return Risk(area_code, name, factors, acc, causes, "LEC", inh.inputs, res.inputs, inh.level.value,
                res.level.value, inh.score, res.score, TIER[res.level.value], person(rng), phone(rng), content,
                PERIODS[int(rng.integers(len(PERIODS)))], measures)


class UsccMaker:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.seen: set[str] = set()

    def __call__(self, adcode: str) -> str:
        while True:
            body = "91" + adcode + "".join(ALPHABET[i] for i in self.rng.integers(0, len(ALPHABET), 9))
            code = body + check_char(body)
            if code not in self.seen:
                self.seen.add(code)
                return code


def build_enterprises(city: Region, rng: np.random.Generator, uscc: UsccMaker, profile: Profile,
                      n: int = N_ENTERPRISES, taken: list | None = None) -> list[EnterpriseRec]:
    grids = [r for r in walk(city) if r.level == "grid"]
    towns = {r.adcode: r for r in walk(city) if r.level == "town"}
    districts = {r.adcode: r for r in city.children}
    tree = shapely.STRtree([g.geom for g in grids])
    combos = _lec_combos(profile)
    centres = []
    for adcode, k in CLUSTERS.items():
        for x, y in random_points_in(districts[adcode].geom, k, rng):
            centres.append((x, y, adcode))
    weights = np.array([CLUSTERS[c[2]] for c in centres], dtype=float)
    weights /= weights.sum()
    industries, ipr = list(INDUSTRY_MIX), np.array(list(INDUSTRY_MIX.values()))
    scales, spr = list(SCALE_MIX), np.array(list(SCALE_MIX.values()))
    placed = shapely.STRtree(taken) if taken else None
    boxes: list = list(taken or [])
    names: set[str] = set()
    out: list[EnterpriseRec] = []
    while len(out) < n:
        if rng.random() < 0.85:
            cx, cy, _ = centres[int(rng.choice(len(centres), p=weights))]
            x, y = cx + rng.normal(0, 0.012), cy + rng.normal(0, 0.010)
        else:
            x, y = random_points_in(city.geom, 1, rng)[0]
        hits = tree.query(Point(x, y), predicate="within")
        if len(hits) == 0:
            continue
        grid = grids[int(hits[0])]
        industry = industries[int(rng.choice(len(industries), p=ipr / ipr.sum()))]
        scale = scales[int(rng.choice(len(scales), p=spr / spr.sum()))]
        w, h = SCALE_SIZE_M[scale]
        w, h = w * rng.uniform(0.8, 1.2), h * rng.uniform(0.8, 1.2)
        frame = LocalFrame(x, y, float(rng.uniform(-25, 25)))
        plant = frame.rect(-w / 2, -h / 2, w, h)
        if not shapely.contains_xy(grid.geom, x, y) or (placed is not None and len(placed.query(plant, "intersects"))):
            continue
        if any(b.intersects(plant) for b in boxes[-400:]):
            continue
        boxes.append(plant)
        town = towns[grid.parent]
        district = districts[town.parent]
        for _ in range(50):
            word = INDUSTRY_WORDS[industry][int(rng.integers(len(INDUSTRY_WORDS[industry])))]
            prefix = PREFIXES[int(rng.integers(len(PREFIXES)))]
            form = ["常州市{p}{w}有限公司", "江苏{p}{w}科技有限公司", "常州{p}{w}股份有限公司", "{d}{p}{w}厂"][int(rng.integers(4))]
            name = form.format(p=prefix, w=word, d=district.name)
            if name not in names:
                break
        else:
            continue
        names.add(name)
        lo, hi = SCALE_EMPLOYEES[scale]
        e = EnterpriseRec(
            uscc(district.adcode), name, industry, scale, int(rng.integers(lo, hi + 1)),
            f"{district.name}{town.name}{ROADS[int(rng.integers(len(ROADS)))]}{int(rng.integers(1, 999))}号",
            grid.adcode, Point(x, y), plant, person(rng), person(rng), phone(rng),
        )
        e.areas.append(AreaRec("P1", "厂区", "plant", plant))
        n_ws = {"large": 5, "medium": 4, "small": 3, "micro": 1}[scale] - int(rng.integers(0, 2) if scale != "micro" else 0)
        n_ws = max(n_ws, 1)
        mix = LEVEL_MIX_HAZCHEM if industry == "hazchem" else LEVEL_MIX
        target = list(mix)[int(rng.choice(4, p=np.array(list(mix.values()))))]
        ws_w = (w * 0.9 - (n_ws - 1) * 0.04 * w) / n_ws
        templates = TEMPLATES[industry] + COMMON
        order = list(Level)[::-1]  # major .. low
        for i in range(n_ws):
            code = f"P1-W{i + 1}"
            tpl = templates[int(rng.integers(len(templates)))]
            e.areas.append(AreaRec(code, f"{tpl[0].removesuffix('作业')}车间" if i else f"{tpl[0].removesuffix('作业')}车间",
                                   "workshop",
                                   frame.rect(-w * 0.45 + i * (ws_w + 0.04 * w), -h * 0.35, ws_w, h * 0.6),
                                   parent="P1"))
            n_risks = int(rng.integers(1, 5))
            for j in range(n_risks):
                t = templates[int(rng.integers(len(templates)))] if j else tpl
                if i == 0 and j == 0:
                    level = target  # the key risk sets the enterprise's level
                else:
                    below = [lv.value for lv in order if lv.rank <= Level(target).rank]
                    level = below[min(int(rng.integers(0, len(below) + 1)), len(below) - 1)]
                e.risks.append(make_risk(code, t, level, rng, combos, profile))
        # unique workshop names within an enterprise
        seen: dict[str, int] = {}
        for a in e.areas:
            if a.kind == "workshop":
                seen[a.name] = seen.get(a.name, 0) + 1
                if seen[a.name] > 1:
                    a.name = f"{a.name}{seen[a.name]}"
        out.append(e)
    return out
