"""Word lists for the demo city. District and town names are real; every name of an enterprise,
a person, a school, a road or a residential block made from these lists is fictional."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

CITY = ("320400", "常州市")

DISTRICTS = {
    "320402": "天宁区", "320404": "钟楼区", "320411": "新北区",
    "320412": "武进区", "320413": "金坛区", "320481": "溧阳市",
}

# Real names of the towns and streets (镇/街道); their boundaries in the demo are synthetic.
TOWNS = {
    "320402": ["雕庄街道", "青龙街道", "茶山街道", "红梅街道", "天宁街道", "兰陵街道", "郑陆镇"],
    "320404": ["五星街道", "永红街道", "北港街道", "西林街道", "南大街街道", "荷花池街道", "新闸街道", "邹区镇"],
    "320411": ["河海街道", "三井街道", "龙虎塘街道", "春江街道", "魏村街道", "奔牛镇", "孟河镇", "薛家镇",
               "罗溪镇", "西夏墅镇"],
    "320412": ["湖塘镇", "牛塘镇", "洛阳镇", "遥观镇", "横林镇", "横山桥镇", "雪堰镇", "前黄镇", "礼嘉镇",
               "嘉泽镇", "湟里镇", "南夏墅街道", "西湖街道", "丁堰街道", "戚墅堰街道", "潞城街道"],
    "320413": ["金城镇", "儒林镇", "直溪镇", "朱林镇", "薛埠镇", "指前镇", "东城街道", "西城街道", "尧塘街道"],
    "320481": ["溧城街道", "埭头镇", "上黄镇", "戴埠镇", "天目湖镇", "别桥镇", "上兴镇", "竹箦镇", "南渡镇",
               "社渚镇", "昆仑街道", "古县街道"],
}

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英",
         "霞", "平", "刚", "桂英", "建华", "建国", "志强", "海燕", "晓东", "文军", "红梅", "国平", "卫东", "晓明",
         "春华", "永刚", "玉兰", "小龙", "建平", "立新", "丽华", "志刚", "海涛", "雪梅", "俊", "斌", "鹏", "浩",
         "宇", "婷", "雯", "晨", "亮", "峰", "建军", "国强", "金华", "振宇", "佳怡", "子涵", "一鸣", "文博"]
MOBILE_PREFIXES = ("139", "138", "137", "136", "135", "151", "152", "158", "159", "187", "188", "181", "189", "133")

PREFIXES = ["恒达", "天元", "华盛", "宏远", "金鼎", "瑞丰", "永信", "正泰", "鑫源", "新阳", "东方", "长江", "龙城",
            "常新", "博远", "中天", "安泰", "嘉禾", "华业", "盛通", "泰和", "德昌", "隆兴", "协力", "精工", "宏图",
            "锦程", "汇丰", "明辉", "同创", "兴华", "振华", "众合", "凯达", "润泽", "腾飞", "卓越", "恒通", "宝丰",
            "鼎盛", "三益", "佳成", "力恒", "美瑞", "圣光", "运河", "太湖", "滆湖", "茅山", "天目", "青枫", "延陵",
            "季子", "晋陵", "毗陵", "舜山", "芙蓉", "凤凰", "百川", "万合", "聚丰", "通达", "亚东", "远航", "华东"]

# industry code -> words that name its business (企业字号后的行业表述)
INDUSTRY_WORDS = {
    "machinery": ["机械制造", "精密机械", "五金制品", "汽车零部件", "轴承", "电机", "液压机械", "模具", "机床",
                  "传动设备", "农业机械", "紧固件"],
    "light": ["包装材料", "家具", "塑料制品", "印刷", "食品", "日用品", "纸制品", "木业", "文具"],
    "textile": ["纺织", "服饰", "印染", "化纤", "织造", "家纺"],
    "commerce": ["物流", "仓储", "商贸", "供应链"],
    "building_materials": ["建材", "新型建材", "水泥制品", "玻璃", "陶瓷", "石材"],
    "hazchem": ["化工", "精细化工", "化学品", "涂料", "气体", "新材料"],
    "metallurgy": ["特钢", "钢铁", "铸造", "金属材料", "钢管"],
    "nonferrous": ["铝业", "铜业", "有色金属", "合金材料", "铝型材"],
    "tobacco": ["烟草物流", "烟草机械"],
    "other": ["电子科技", "新能源", "环保科技", "光伏科技", "电池科技"],
}

# Street names for addresses (synthetic: the addresses are not real places)
STREET_WORDS = ["人民", "延陵", "晋陵", "和平", "长江", "黄河", "通江", "龙城", "常武", "武宜", "滆湖", "花园",
                "中吴", "青洋", "劳动", "关河", "太湖", "新堂", "汉江", "兴业", "创业", "富民", "振兴", "建设",
                "工业", "科技", "凤栖", "松涛", "丽华", "东方", "金陵", "淹城", "府南", "环城", "新城", "锦绣"]
STREET_SUFFIXES = ["路", "路", "路", "大道", "街"]

# Words for schools, residential blocks, shelters and other places
PLACE_WORDS = ["阳光", "锦绣", "和谐", "幸福", "花园", "龙湖", "翠苑", "春江", "新城", "中心", "实验", "东方", "文华",
               "博爱", "康乐", "怡和", "金色", "青山", "滨湖", "运河", "紫荆", "香樟", "桂园", "枫林", "嘉苑",
               "万福", "清潭", "丽景", "景秀", "星河"]
PARK_WORDS = ["人民公园", "中心广场", "体育公园", "文化广场", "湿地公园", "滨河公园", "市民广场", "中学操场"]

# Industrial clusters (工业园区) are named after their town with one of these.
CLUSTER_SUFFIXES = ["工业园", "工业集中区", "科技产业园", "经济开发区", "智能制造产业园", "新材料产业园"]

CHINESE_NUMERALS = "一二三四五六七八九十"


def short_town(name: str) -> str:
    """The town name without 镇/街道 (湖塘镇 → 湖塘), as used in station and road names."""
    for suffix in ("街道", "镇"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def person(rng: np.random.Generator) -> str:
    """A fictional Chinese name: surname + given name."""
    return SURNAMES[int(rng.integers(len(SURNAMES)))] + GIVEN[int(rng.integers(len(GIVEN)))]


def mobile(rng: np.random.Generator) -> str:
    """A fictional 11-digit mobile number."""
    return MOBILE_PREFIXES[int(rng.integers(len(MOBILE_PREFIXES)))] + "".join(
        str(int(d)) for d in rng.integers(0, 10, 8))


def street(rng: np.random.Generator) -> str:
    """A fictional street name (路/大道/街)."""
    return STREET_WORDS[int(rng.integers(len(STREET_WORDS)))] + STREET_SUFFIXES[int(rng.integers(len(STREET_SUFFIXES)))]
