"""Synthetic retirees of Xicheng district and the catalogues of their personnel files.

The data imitate what the 2020 transfer brings in (西人社发〔2020〕14号): retirees of central (央属),
municipal (市属) and district (区属) state enterprises, most registered or living in one of Xicheng's 15
streets, each with a file catalogued in the ten classes (十大类).  Everything derives from one
``random.Random(seed)``, so a seed always gives the same people, materials and ID numbers.

Pure Python: no Flask, no database.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass

from archive.idnumbers import make_id_number

__all__ = [
    "BEIJING_DISTRICTS",
    "DISTRICT_CODES",
    "EMPLOYERS",
    "XICHENG_STREETS",
    "DemoMaterial",
    "DemoPerson",
    "generate_people",
    "label_placement",
]

XICHENG_STREETS: tuple[str, ...] = (
    "西长安街", "新街口", "月坛", "展览路", "德胜", "金融街", "什刹海", "大栅栏",
    "天桥", "椿树", "陶然亭", "广安门内", "牛街", "白纸坊", "广安门外",
)
# Streets that lay in the old 宣武区 (merged into 西城 in 2010); people born there carry region 110104.
_XUANWU_STREETS = frozenset({"大栅栏", "天桥", "椿树", "陶然亭", "广安门内", "牛街", "白纸坊", "广安门外"})

BEIJING_DISTRICTS: tuple[str, ...] = (
    "东城", "西城", "朝阳", "丰台", "石景山", "海淀", "门头沟", "房山", "通州", "顺义", "昌平",
    "大兴", "怀柔", "平谷", "密云", "延庆",
)
# GB/T 2260 region codes as they stood when these people got their first ID numbers.
DISTRICT_CODES: dict[str, str] = {
    "东城": "110101", "西城": "110102", "崇文": "110103", "宣武": "110104", "朝阳": "110105",
    "丰台": "110106", "石景山": "110107", "海淀": "110108", "门头沟": "110109", "房山": "110111",
    "通州": "110112", "顺义": "110113", "昌平": "110114", "大兴": "110115", "怀柔": "110116",
    "平谷": "110117", "密云": "110228", "延庆": "110229",
}
# A few real streets/towns per other district, for people registered or living outside Xicheng.
_OTHER_STREETS: dict[str, tuple[str, ...]] = {
    "东城": ("东华门", "景山", "交道口", "和平里"),
    "朝阳": ("八里庄", "呼家楼", "劲松", "亚运村"),
    "丰台": ("卢沟桥", "右安门", "方庄", "新村"),
    "石景山": ("八角", "古城", "鲁谷"),
    "海淀": ("羊坊店", "甘家口", "中关村", "紫竹院"),
    "昌平": ("回龙观", "天通苑北", "城北"),
    "大兴": ("兴丰", "林校路", "清源"),
    "通州": ("中仓", "新华", "玉桥"),
}

# (name, level): level is 'central' (央属), 'municipal' (市属) or 'district' (区属).
EMPLOYERS: tuple[tuple[str, str], ...] = (
    ("中国五矿集团有限公司北京分公司", "central"),
    ("中国建筑第一工程局第五建筑公司", "central"),
    ("中国第一汽车集团北京销售公司", "central"),
    ("中国电信集团公司北京分公司", "central"),
    ("中国印刷总公司北京新华印刷厂", "central"),
    ("中国中铁第三工程局北京工程处", "central"),
    ("北京第一机床厂", "municipal"),
    ("北京市百货大楼", "municipal"),
    ("北京重型电机厂", "municipal"),
    ("北京市第三建筑工程公司", "municipal"),
    ("北京市公共交通总公司第一客运分公司", "municipal"),
    ("北京同仁堂制药二厂", "municipal"),
    ("北京内燃机总厂", "municipal"),
    ("北京市煤炭总公司西城煤厂", "municipal"),
    ("北京牡丹电子集团公司", "municipal"),
    ("西城区副食品公司", "district"),
    ("西城区房屋修缮工程公司", "district"),
    ("宣武区饮食服务公司", "district"),
    ("西城区百货公司", "district"),
)
_LEVEL_WEIGHTS = {"central": 2, "municipal": 3, "district": 1}  # ≈ 1/3, 1/2, 1/6

_SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
    "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "曹",
)
# Rough frequency: the first few surnames cover a large share of Beijing's population.
_SURNAME_WEIGHTS = (
    16, 15, 14, 11, 6, 6, 5, 4, 4, 4, 4, 4, 3, 3, 3, 2, 2, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
)
_MALE_GIVEN = (
    "建国", "建华", "国庆", "卫东", "志强", "志刚", "德明", "国强", "振华", "卫国", "宝华", "立新",
    "胜利", "建军", "援朝", "跃进", "学军", "长顺", "永利", "福生", "文彬", "金山", "玉海", "庆祥",
    "伟", "勇", "军", "强", "刚", "平", "斌", "明", "杰", "涛", "海", "林",
)
_FEMALE_GIVEN = (
    "秀英", "桂英", "秀兰", "玉兰", "淑珍", "凤兰", "秀珍", "桂兰", "玉珍", "淑华", "丽华", "秀芳",
    "桂芳", "红梅", "淑英", "素珍", "凤英", "秀云", "金凤", "丽君", "亚萍", "建萍",
    "红", "英", "霞", "丽", "萍", "敏", "静", "燕", "玲", "芳", "华", "梅",
)
# Names so common that a district of 120,000 retirees holds many of each: search must cope.
_COMMON_MALE = ("张建国", "王建国", "刘建华", "李志强", "王国庆")
_COMMON_FEMALE = ("王秀英", "张秀兰", "李淑珍", "刘秀珍", "王桂英")

_CN_CLASS = ("", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十")


@dataclass(frozen=True)
class DemoMaterial:
    """One catalogue entry of a demo file.

    ``class_no``/``subclass`` are where the material belongs under the 2018 scheme; ``label`` is what the
    sending unit wrote (``四-1``, ``4-1``, ``一`` …).  They differ only for old files that keep the 招工表
    in class 1 (label ``一``, class 9-2); ``seq`` numbers materials within the sending unit's placement.
    """

    class_no: int
    subclass: int  # 0 = the class has no sub-classes
    label: str
    seq: int
    title: str
    formed: str  # ISO partial: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'
    pages: int
    remarks: str

    @property
    def placement(self) -> tuple[int, int]:
        """(class, subclass) as the sending unit placed it, read from ``label``."""
        return label_placement(self.label)


@dataclass(frozen=True)
class DemoPerson:
    """A synthetic retiree and the catalogue of their personnel file (materials in catalogue order)."""

    archive_no: str
    name: str
    sex: str  # 'M' | 'F'
    id_number: str
    birth_date: dt.date
    employer: str
    employer_level: str  # 'central' | 'municipal' | 'district'
    retired_on: dt.date
    hukou_district: str
    hukou_street: str
    residence_district: str
    residence_street: str
    party_member: bool
    work_start: dt.date
    materials: tuple[DemoMaterial, ...]
    # Extras that the page text uses; defaults keep the constructor compatible with the brief's fields.
    party_joined: dt.date | None = None
    education: str = ""
    position: str = ""
    cadre: bool = False

    @property
    def page_count(self) -> int:
        """Pages with writing in the whole file (the sum of the catalogue's 页数)."""
        return sum(m.pages for m in self.materials)


def label_placement(label: str) -> tuple[int, int]:
    """Parse a class label (``四-1``, ``4-1``, ``一``, ``10``) into (class, subclass)."""
    head, _, tail = label.partition("-")
    cls = int(head) if head.isdigit() else _CN_CLASS.index(head)
    return cls, int(tail) if tail else 0


# --- generation ---------------------------------------------------------------------------------------


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return dt.date.fromordinal(rng.randint(start.toordinal(), end.toordinal()))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _first_of_next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


@dataclass(frozen=True)
class _Draft:
    """A material before sequence numbers are known: ``placed`` is the sending unit's placement."""

    class_no: int
    subclass: int
    title: str
    day: dt.date
    pages: int
    remarks: str = ""
    placed: tuple[int, int] | None = None
    optional: bool = False  # may be dropped to keep a file within 30 materials


def _pick_name(rng: random.Random, sex: str) -> str:
    if rng.random() < 0.08:
        return rng.choice(_COMMON_MALE if sex == "M" else _COMMON_FEMALE)
    surname = rng.choices(_SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    return surname + rng.choice(_MALE_GIVEN if sex == "M" else _FEMALE_GIVEN)


def _pick_places(rng: random.Random) -> tuple[str, str, str, str]:
    """Return (户籍区, 户籍街道, 常住区, 常住街道)."""
    others = tuple(_OTHER_STREETS)
    roll = rng.random()
    if roll < 0.78:  # registered in Xicheng; most also live there
        hukou = ("西城", rng.choice(XICHENG_STREETS))
        if rng.random() < 0.85:
            home = hukou
        else:
            district = rng.choice(("昌平", "大兴", "通州", "朝阳", "丰台"))
            home = (district, rng.choice(_OTHER_STREETS[district]))
    elif roll < 0.95:  # registered elsewhere, living in Xicheng
        district = rng.choice(others)
        hukou = (district, rng.choice(_OTHER_STREETS[district]))
        home = ("西城", rng.choice(XICHENG_STREETS))
    else:  # neither: routed to another district (市属/区属) or not received at all (央属)
        district = rng.choice(others)
        hukou = (district, rng.choice(_OTHER_STREETS[district]))
        home = hukou
    return hukou[0], hukou[1], home[0], home[1]


def _region_for(rng: random.Random, hukou_district: str, hukou_street: str) -> str:
    if hukou_district == "西城":
        # Numbers keep the region of first issue: 宣武 for a part of the old-宣武 streets' residents.
        if hukou_street in _XUANWU_STREETS and rng.random() < 0.35:
            return DISTRICT_CODES["宣武"]
        return DISTRICT_CODES["西城"] if rng.random() < 0.95 else DISTRICT_CODES["宣武"]
    # Many who registered elsewhere later were born and first registered in the old city.
    if rng.random() < 0.4:
        return DISTRICT_CODES["西城"]
    return DISTRICT_CODES[hukou_district]


def _life(rng: random.Random, sex: str) -> tuple[dt.date, dt.date, dt.date, int, bool]:
    """Return birth, work start, retirement, age at work start and whether a cadre (干部)."""
    while True:
        birth = _date_between(rng, dt.date(1935, 1, 1), dt.date(1968, 12, 31))
        age_at_work = rng.choices(range(16, 23), weights=(3, 3, 5, 3, 2, 2, 3))[0]
        cadre = age_at_work >= 20 and rng.random() < 0.8
        # Statutory ages: men 60, women cadres 55, women workers 50.
        age = 60 if sex == "M" else 55 if cadre else 50
        retired = _first_of_next_month(_add_years(birth, age))
        # The 2020 transfer concerns people already retired; the 1950s start dates need adults in 1949+.
        if retired < dt.date(2020, 1, 1):
            break
    work_start = _add_years(birth, age_at_work)
    month = rng.choice((3, 7, 8, 9, 9, 9, 10, 12))  # hiring clustered after the school year
    work_start = dt.date(work_start.year, month, rng.choice((1, 1, 1, 5, 15)))
    if work_start < _add_years(birth, 16):
        work_start = _first_of_next_month(_add_years(birth, 16))
    return birth, work_start, retired, age_at_work, cadre


def _education(rng: random.Random, age_at_work: int) -> str:
    if age_at_work <= 16:
        return "初中"
    if age_at_work <= 18:
        return "高中"
    if age_at_work == 19:
        return rng.choice(("中专", "高中"))
    if age_at_work <= 21:
        return rng.choice(("大专", "中专"))
    return "大学本科"


_WORKER_POSTS = ("车工", "钳工", "电工", "售货员", "司机", "炊事员", "保管员", "瓦工", "装配工", "会计")
_CADRE_POSTS = ("技术员", "科员", "会计", "统计员", "工程师", "经济师")


def _drafts(
    rng: random.Random,
    *,
    birth: dt.date,
    work_start: dt.date,
    retired: dt.date,
    cadre: bool,
    education: str,
    party_joined: dt.date | None,
) -> list[_Draft]:
    """Spell out one whole file, class by class, with the day each material was formed."""
    last_day = retired - dt.timedelta(days=1)
    career_end = min(last_day, dt.date(2019, 12, 31))
    d: list[_Draft] = []

    def between(a: dt.date, b: dt.date) -> dt.date:
        # Clamp into the working life, so that a late event never lands after retirement.
        lo = min(max(a, work_start), career_end)
        return _date_between(rng, lo, max(lo, min(b, career_end)))

    # Class 1 履历: the registration form at hiring, re-filled later in the 1980s/1990s.
    first_form = "干部履历表" if cadre else "职工登记表"
    d.append(_Draft(1, 0, first_form, between(work_start, _add_years(work_start, 1)), rng.randint(2, 4)))
    for year, title in ((1983, "干部履历表" if cadre else "职工登记表"), (1996, "职工登记表")):
        if work_start.year < year - 2 and retired.year > year and rng.random() < 0.5:
            d.append(_Draft(1, 0, title, between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
                            rng.randint(3, 6), optional=True))

    # Class 2 自传 and 思想.
    if rng.random() < 0.9:
        d.append(_Draft(2, 0, "自传", between(work_start, _add_years(work_start, 12)), rng.randint(2, 6)))
    if rng.random() < 0.12:
        d.append(_Draft(2, 0, "思想汇报", between(work_start, _add_years(work_start, 20)), rng.randint(1, 3),
                        optional=True))

    # Class 3 考核鉴定.
    d.append(_Draft(3, 0, "工作鉴定表", between(_add_years(work_start, 1), _add_years(work_start, 10)),
                    rng.randint(1, 2)))
    assessment_years = [y for y in range(max(1995, work_start.year + 1), min(retired.year, 2020))]
    for year in sorted(rng.sample(assessment_years, min(len(assessment_years), rng.randint(1, 4)))):
        d.append(_Draft(3, 0, "年度考核登记表", between(dt.date(year, 12, 1), dt.date(year + 1, 1, 31)),
                        rng.randint(1, 2), optional=True))

    # Class 4: education (before work, so the only materials older than work start), titles, training.
    graduated = dt.date(work_start.year if work_start.month >= 7 else work_start.year - 1, 7,
                        rng.randint(1, 20))
    graduated = max(graduated, _add_years(birth, 15))
    school = {
        "初中": "初中", "高中": "高中", "中专": "中等专业学校", "大专": "大学专科", "大学本科": "大学本科",
    }
    d.append(_Draft(4, 1, f"{school[education]}毕业证书", graduated, 1,
                    remarks="复印件" if rng.random() < 0.3 else ""))
    if education in ("大专", "大学本科"):
        d.append(_Draft(4, 1, "高等学校毕业生登记表", graduated, rng.randint(2, 4)))
    if rng.random() < 0.15 and work_start.year < 1990:
        adult = between(dt.date(1980, 7, 1), dt.date(1995, 7, 31))
        d.append(_Draft(4, 1, "成人高等教育毕业证书", adult, 1, remarks="复印件"))
    if cadre:
        if rng.random() < 0.85:
            first = between(_add_years(work_start, 3), _add_years(work_start, 8))
            d.append(_Draft(4, 2, "专业技术职务任职资格评审表（助理级）", first, rng.randint(2, 4)))
            if rng.random() < 0.6:
                second = between(_add_years(first, 5), _add_years(first, 12))
                d.append(_Draft(4, 2, "专业技术职务任职资格评审表（中级）", second, rng.randint(2, 4)))
    elif rng.random() < 0.6:
        grade = between(_add_years(work_start, 5), _add_years(work_start, 15))
        d.append(_Draft(4, 2, "工人技术等级考核表", grade, rng.randint(1, 2)))
        if rng.random() < 0.25:
            d.append(_Draft(4, 2, "技师聘任审批表", between(_add_years(grade, 5), retired),
                            rng.randint(1, 2)))
    if rng.random() < 0.1:
        d.append(_Draft(4, 4, "培训结业证书", between(_add_years(work_start, 2), retired), 1, optional=True))

    # Class 5 政审.
    if rng.random() < 0.7:
        d.append(_Draft(5, 0, "政治审查表", between(work_start, work_start + dt.timedelta(days=60)),
                        rng.randint(1, 3)))

    # Class 6 党团: the youth league for some, party materials only for members.
    if rng.random() < 0.3:
        d.append(_Draft(6, 0, "入团志愿书", between(work_start, _add_years(birth, 25)), rng.randint(2, 4)))
    if party_joined is not None:
        d.append(_Draft(6, 0, "中国共产党入党志愿书", party_joined, rng.randint(4, 6)))
        if rng.random() < 0.5:
            d.append(_Draft(6, 0, "预备党员转正申请书", between(_add_years(party_joined, 1),
                                                                _add_years(party_joined, 1)), 1))
        for year in (1985, 1990):
            if party_joined.year < year and retired.year > year:
                d.append(_Draft(6, 0, f"党员登记表（{year}年）",
                                between(dt.date(year, 3, 1), dt.date(year, 11, 30)), 2))

    # Class 7 奖励 sometimes, class 8 处分 rarely.
    if rng.random() < 0.3:
        title = rng.choice(("先进生产者审批表", "先进工作者登记表", "劳动模范审批表", "奖励决定"))
        d.append(_Draft(7, 0, title, between(_add_years(work_start, 2), retired), rng.randint(1, 3)))
    if rng.random() < 0.05:
        punished = between(_add_years(work_start, 2), _add_years(retired, -4))
        d.append(_Draft(8, 0, "关于给予警告处分的决定", punished, 1))
        if rng.random() < 0.5:
            d.append(_Draft(8, 0, "关于撤销处分的决定", between(_add_years(punished, 1), retired), 1))

    # Class 9-1 工资.
    d.append(_Draft(9, 1, "转正定级表", between(_add_years(work_start, 1 if cadre else 3),
                                             _add_years(work_start, 1 if cadre else 3)), 1))
    reforms = [y for y in (1963, 1971, 1977, 1979, 1983, 1985, 1989, 1993, 1997, 2001, 2006, 2014)
               if work_start.year + 1 < y < retired.year]
    for year in sorted(rng.sample(reforms, min(len(reforms), rng.randint(1, 4)))):
        title = "工资变动审批表" if rng.random() < 0.7 else "调整工资登记表"
        d.append(_Draft(9, 1, title, between(dt.date(year, 1, 1), dt.date(year, 12, 31)), 1, optional=True))

    # Class 9-2 招工、劳动合同、调动、任免、退休.  Old files keep the 招工表 in class 1 (label 一).
    placed = (1, 0) if work_start.year < 1970 and rng.random() < 0.25 else None
    d.append(_Draft(9, 2, "招工审批表" if not cadre else "录用干部审批表", work_start, rng.randint(1, 2),
                    placed=placed))
    if work_start.year >= 1986:
        d.append(_Draft(9, 2, "劳动合同书", work_start, rng.randint(3, 5)))
    elif retired.year > 1996 and rng.random() < 0.6:
        d.append(_Draft(9, 2, "劳动合同书", between(dt.date(1995, 1, 1), dt.date(1996, 12, 31)),
                        rng.randint(3, 5)))
    if rng.random() < 0.3:
        d.append(_Draft(9, 2, rng.choice(("职工调动审批表", "工作调动介绍信")),
                        between(_add_years(work_start, 3), _add_years(retired, -3)), rng.randint(1, 2)))
    if cadre and rng.random() < 0.3:
        d.append(_Draft(9, 2, "干部任免审批表", between(_add_years(work_start, 8), retired),
                        rng.randint(1, 2)))
    approval = _date_between(rng, retired - dt.timedelta(days=75), retired - dt.timedelta(days=10))
    d.append(_Draft(9, 2, "干部退休审批表" if cadre else "职工退休审批表", approval, rng.randint(1, 2)))
    if rng.random() < 0.03 and retired.year > 1985:
        d.append(_Draft(9, 3, "因公出国（境）审批表", between(dt.date(1985, 1, 1), retired), 2))

    # Class 10 其他.
    if rng.random() < 0.5:
        d.append(_Draft(10, 0, "职工健康检查表", between(work_start, work_start + dt.timedelta(days=30)), 1,
                        optional=True))
    if rng.random() < 0.3:
        d.append(_Draft(10, 0, "居民身份证复印件", between(dt.date(1990, 1, 1), retired), 1, remarks="复印件",
                        optional=True))
    if rng.random() < 0.1:
        d.append(_Draft(10, 0, "独生子女父母光荣证", between(dt.date(1980, 1, 1), dt.date(1990, 12, 31)), 1,
                        remarks="复印件", optional=True))

    # Keep 12–30 materials, as in real enterprise files: top up with wage records, trim optional ones.
    while len(d) < 12:
        year = rng.randint(work_start.year + 2, max(work_start.year + 2, career_end.year))
        d.append(_Draft(9, 1, "调整工资登记表", between(dt.date(year, 1, 1), dt.date(year, 12, 31)), 1))
    while len(d) > 30:
        drop = [i for i, x in enumerate(d) if x.optional]
        del d[rng.choice(drop) if drop else len(d) - 2]
    return d


def _spell_partial(rng: random.Random, day: dt.date, exact: bool) -> str:
    roll = 0.0 if exact else rng.random()
    if roll < 0.75:
        return day.isoformat()
    if roll < 0.95:
        return f"{day:%Y-%m}"
    return f"{day:%Y}"


def _label(placed: tuple[int, int], chinese: bool) -> str:
    cls, sub = placed
    head = _CN_CLASS[cls] if chinese else str(cls)
    return f"{head}-{sub}" if sub else head


def _catalogue(rng: random.Random, drafts: Sequence[_Draft]) -> tuple[DemoMaterial, ...]:
    chinese = rng.random() < 0.8  # one sending unit, one spelling of 类号
    groups: dict[tuple[int, int], list[_Draft]] = {}
    for draft in drafts:
        groups.setdefault(draft.placed or (draft.class_no, draft.subclass), []).append(draft)
    out: list[DemoMaterial] = []
    for placed in sorted(groups):
        # Within a class the catalogue runs chronologically (the order the file was built in).
        for seq, draft in enumerate(sorted(groups[placed], key=lambda x: x.day), start=1):
            remarks = draft.remarks or ("复印件" if rng.random() < 0.04 else "")
            exact = draft.title.endswith("退休审批表")
            out.append(DemoMaterial(
                class_no=draft.class_no,
                subclass=draft.subclass,
                label=_label(placed, chinese),
                seq=seq,
                title=draft.title,
                formed=_spell_partial(rng, draft.day, exact),
                pages=draft.pages,
                remarks=remarks,
            ))
    return tuple(out)


def generate_people(n: int, seed: int = 2020) -> list[DemoPerson]:
    """Return ``n`` synthetic retirees, the same ones for the same ``seed``."""
    rng = random.Random(seed)
    levels = tuple(_LEVEL_WEIGHTS)
    by_level = {lvl: [name for name, level in EMPLOYERS if level == lvl] for lvl in levels}
    used_ids: set[str] = set()
    number = rng.randint(1, 5000)
    people: list[DemoPerson] = []
    for _ in range(n):
        sex = "M" if rng.random() < 0.52 else "F"
        name = _pick_name(rng, sex)
        birth, work_start, retired, age_at_work, cadre = _life(rng, sex)
        level = rng.choices(levels, weights=tuple(_LEVEL_WEIGHTS.values()))[0]
        employer = rng.choice(by_level[level])
        hukou_d, hukou_s, home_d, home_s = _pick_places(rng)
        region = _region_for(rng, hukou_d, hukou_s)
        while True:
            sequence = rng.randrange(1 if sex == "M" else 0, 1000, 2)  # odd for men, even for women
            id_number = make_id_number(region, birth, sequence)
            if id_number not in used_ids:
                used_ids.add(id_number)
                break
        party_joined = None
        if rng.random() < 0.35:
            earliest = max(_add_years(work_start, 1), _add_years(birth, 18))
            party_joined = _date_between(rng, earliest, min(_add_years(retired, -3), dt.date(2010, 12, 31)))
        education = _education(rng, age_at_work)
        position = rng.choice(_CADRE_POSTS if cadre else _WORKER_POSTS)
        drafts = _drafts(rng, birth=birth, work_start=work_start, retired=retired, cadre=cadre,
                         education=education, party_joined=party_joined)
        number += rng.randint(1, 3)  # a batch's files are numbered in runs with gaps
        people.append(DemoPerson(
            archive_no=f"XC-2020-{number:06d}",
            name=name,
            sex=sex,
            id_number=id_number,
            birth_date=birth,
            employer=employer,
            employer_level=level,
            retired_on=retired,
            hukou_district=hukou_d,
            hukou_street=hukou_s,
            residence_district=home_d,
            residence_street=home_s,
            party_member=party_joined is not None,
            work_start=work_start,
            materials=_catalogue(rng, drafts),
            party_joined=party_joined,
            education=education,
            position=position,
            cadre=cadre,
        ))
    return people
