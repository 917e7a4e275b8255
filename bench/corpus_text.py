"""Diversity for the benchmark corpus: a large space of personal names and varied file sentences.

The demo generator (:mod:`archive.demo`) draws names from ~30 surnames × ~70 given names and pads pages
from a few hundred sentences, so a 100,000-page corpus held 1,262 distinct names and 78 % of its lines
repeated ten times or more: a search engine looks better on that than on a district's files.  This module
gives (deterministically, from a ``random.Random``):

* :func:`person_name` — a surname (≈120, weighted by rough frequency) and a one- or two-character given
  name from ≈200 characters of the period's names: millions of combinations, tens of thousands of
  distinct names at a million pages; 3 % of people get one of the very common names (张建国 …);
* :func:`sentence` — a sentence of a personnel file (appointments, wage changes, political reviews,
  testimonials, household registers, rewards and penalties …) from templates whose slots take names,
  dates, units, places, posts, document numbers and amounts: almost every generated line is distinct,
  while the wording of the forms stays as repetitive as real forms are.
"""

from __future__ import annotations

import random

__all__ = ["COMMON_NAMES", "person_name", "sentence"]

_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘"
    "杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文庞樊兰殷"
    "施陶洪翟安颜倪严牛温芦季俞章鲁葛伍韦申尤毕聂焦向柳邢岳齐"
)
# Zipf-like: the first surnames are far more frequent, as in Beijing's population.
_SURNAME_WEIGHTS = tuple(1.0 / (i + 3) for i in range(len(_SURNAMES)))
_MALE_CHARS = (
    "建国华军明强伟勇刚平斌杰涛海林志宏德文武学庆东卫振立新胜利永福生金山玉宝祥瑞泉春秋春雨云龙虎"
    "成功长顺贵荣富兴旺全才彬俊峰岩松柏青亮光辉耀敬忠孝仁义礼智信和顺安宁康健保家树根友铁钢锁"
)
_FEMALE_CHARS = (
    "秀英桂兰玉珍淑华丽芳红梅素凤云金萍敏静燕玲霞雪琴琳慧娟娜莉丹倩婷颖佳艳彩月菊荷莲桃杏香兰芝"
    "惠爱美琼翠珠环凤巧银双喜小春秋冬晓亚建萍丽君丽萍文秀艳华晓红志红爱华淑琴玉霞桂芳"
)
COMMON_NAMES = ("张建国", "王建国", "刘建华", "李志强", "王国庆", "王秀英", "张秀兰", "李淑珍", "刘秀珍", "王桂英")


def person_name(rng: random.Random, sex: str) -> str:
    """A name for a person of ``sex`` ('M' or 'F')."""
    if rng.random() < 0.03:
        return rng.choice(COMMON_NAMES[:5] if sex == "M" else COMMON_NAMES[5:])
    surname = rng.choices(_SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    chars = _MALE_CHARS if sex == "M" else _FEMALE_CHARS
    given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
    return surname + given


def _any_name(rng: random.Random) -> str:
    return person_name(rng, rng.choice("MF"))


_PLACE_HEADS = "东西南北前后大小新老太平安定永宁长兴福寿吉祥德胜宣武阜成广安白塔赵登禹护国西四丰盛二龙官园"
_PLACE_TAILS = ("胡同", "大街", "路", "里", "巷", "街", "口", "园", "营", "坊", "桥", "楼")
_TRADES = ("机床", "电子管", "纺织", "印染", "服装", "食品", "副食品", "百货", "五金", "建筑", "运输", "煤炭", "印刷",
           "仪表", "化工", "制药", "橡胶", "玻璃", "陶瓷", "家具", "造纸", "粮食", "蔬菜", "钢铁", "电器", "照相机",
           "自行车", "手表", "缝纫机", "毛纺", "针织", "玩具", "文具", "皮革", "酿酒", "饮料", "肉联", "乳品")
_ORG_TAILS = ("厂", "总厂", "分厂", "公司", "商店", "合作社", "门市部", "车间", "研究所", "工程队", "供销社", "服务社")
_DEPTS = ("人事科", "劳资科", "组织科", "党委", "党支部", "工会", "保卫科", "财务科", "政工科", "办公室", "车间党支部")
_POSTS = ("车工", "钳工", "电工", "焊工", "售货员", "司机", "炊事员", "保管员", "会计", "出纳", "统计员", "技术员",
          "工程师", "科员", "副科长", "科长", "车间主任", "班组长", "检验员", "调度员", "仓库管理员", "采购员",
          "营业员", "教师", "医师", "护士", "打字员", "收发员", "经济师", "助理工程师")
_ACTIONS = ("转为正式职工", "调入我单位工作", "按规定办理退休手续", "提前退休", "享受退休待遇", "调整工资一级",
            "定为技术员", "晋升为工程师", "转正定级", "恢复原工资待遇", "撤销原处分", "补发工资", "调往外单位工作",
            "办理停薪留职", "参加脱产学习", "担任班组长", "任车间副主任", "评为先进生产者", "记功一次",
            "列为入党积极分子", "按期转为中共正式党员", "享受副科级待遇", "调整为管理岗位", "办理病退手续")
_REASONS = ("工作需要", "身体原因", "家庭困难", "组织安排", "违反劳动纪律", "迟到早退", "旷工三日",
            "表现突出", "技术革新成绩显著", "完成生产任务", "安全生产无事故", "超额完成计划", "年龄原因")
_PRAISE = ("工作积极肯干", "服从组织分配", "团结同志", "遵守劳动纪律", "钻研业务技术", "爱护公共财产",
           "能吃苦耐劳", "尊敬师傅", "群众关系较好", "作风正派", "历史清楚", "积极参加政治学习",
           "思想进步", "有一定组织能力", "技术水平较高", "关心集体", "能完成本职工作")
_GRADES = ("优秀", "称职", "合格", "良好", "基本称职", "一般")
_DOC_HEADS = ("京劳险字", "京劳薪字", "京人调字", "西劳字", "西人字", "京组字", "劳人险", "国发", "京政发")
_CN_DIGITS = "〇一二三四五六七八九"
_EVENTS = ("职工业余学校学习", "技术培训班", "扫盲班", "夜校", "党课学习", "民兵训练", "义务劳动", "技术比武",
           "抗洪抢险", "支援农业生产", "植树造林", "爱国卫生运动")


def _date(rng: random.Random) -> str:
    y, m, d = rng.randint(1950, 2012), rng.randint(1, 12), rng.randint(1, 28)
    style = rng.random()
    if style < 0.5:
        return f"{y}年{m}月{d}日"
    if style < 0.8:
        return f"{y}年{m}月"
    return "".join(_CN_DIGITS[int(c)] for c in str(y)) + "年" + f"{m}月"


def _org(rng: random.Random) -> str:
    head = rng.choice(("北京市", "北京", "西城区", "宣武区", "北京市第一", "北京市第二", "北京市第三", "北京"))
    return head + rng.choice(_TRADES) + rng.choice(_ORG_TAILS)


def _place(rng: random.Random) -> str:
    return rng.choice(_PLACE_HEADS) + rng.choice(_PLACE_HEADS) + rng.choice(_PLACE_TAILS)


def _docno(rng: random.Random) -> str:
    return f"{rng.choice(_DOC_HEADS)}〔{rng.randint(1956, 2010)}〕{rng.randint(1, 300)}号"


_TEMPLATES = (
    "{date}，经{org}{dept}研究，同意{name}同志{action}。",
    "{name}同志于{date}调入{org}，任{post}。",
    "该同志在{org}工作期间，{praise}，{praise2}，{praise3}。",
    "{date}经{org}批准，{name}的工资由{n1}元调整为{n2}元。",
    "兹证明{name}同志自{date}起在我单位从事{post}工作，{praise}。",
    "本人于{date}在{place}参加{event}，证明人{name2}。",
    "家住西城区{place}{n1}号，户主{name2}，与本人关系{rel}。",
    "{date}因{reason}，给予{name}{penalty}。",
    "{year}年度考核结果为{grade}，{praise}。",
    "经{org}党支部大会讨论，同意接收{name}为中共预备党员，介绍人{name2}、{name3}。",
    "根据{docno}文件精神，同意{name}{action}。",
    "{name}，{sex}，{date}出生，{date2}参加工作，现任{post}。",
    "{date}至{date2}在{org}任{post}，证明人{name2}。",
    "以上情况属实，特此证明。{org}{dept}（盖章）{date}",
    "经审查，{name}同志{praise}，{reason}，同意{action}。",
    "连续工龄自{date}起计算，至{date2}止，共计{n3}年。",
    "{name}同志{date}在{event}中{praise}，被评为{award}。",
    "{dept}意见：情况属实，同意{action}。经办人{name2}，{date}",
    "原工资{n1}元，{reason}，自{date}起按{n2}元发放。",
    "{name2}与{name}系{rel}关系，现在{org}任{post}。",
    "{date}由{org}调至{org2}，工资关系一并转移。",
    "本人保证以上所填内容真实，如有不实，愿承担责任。填表人{name}",
)
_PENALTIES = ("警告处分", "记过处分", "严重警告处分", "通报批评", "记大过处分", "留厂察看一年")
_AWARDS = ("先进生产者", "劳动模范", "先进工作者", "优秀共产党员", "三八红旗手", "技术能手", "五好职工")
_RELATIVES = ("父子", "母子", "夫妻", "兄弟", "姐妹", "父女", "母女", "岳婿", "翁媳")


def sentence(rng: random.Random) -> str:
    """One sentence of a personnel file (see the module docstring)."""
    n1 = rng.randint(18, 420)
    return rng.choice(_TEMPLATES).format(
        date=_date(rng), date2=_date(rng), year=rng.randint(1978, 2012), org=_org(rng), org2=_org(rng),
        dept=rng.choice(_DEPTS), name=_any_name(rng), name2=_any_name(rng), name3=_any_name(rng),
        action=rng.choice(_ACTIONS), post=rng.choice(_POSTS), praise=rng.choice(_PRAISE),
        praise2=rng.choice(_PRAISE), praise3=rng.choice(_PRAISE), n1=n1, n2=n1 + rng.randint(3, 60),
        n3=rng.randint(5, 42), place=_place(rng), event=rng.choice(_EVENTS), reason=rng.choice(_REASONS),
        penalty=rng.choice(_PENALTIES), grade=rng.choice(_GRADES), docno=_docno(rng),
        sex=rng.choice("男女"), rel=rng.choice(_RELATIVES), award=rng.choice(_AWARDS),
    )
