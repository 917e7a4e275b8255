"""Scanned-looking page images for demo files.

:func:`page_lines` writes the text of one page of a material (a form with the person's particulars,
then sentences typical of that kind of material), so that OCR and search later meet real words.
:func:`render_page` sets such lines on A4 paper at scanner resolution and ages the result: off-white
paper, uneven tone, grain, specks, binding holes now and then, a slight skew, and in colour mode a red
header rule and an official seal, as DA/T 31 expects colour for such pages.

Everything is seeded: the same person, material, page and seed give the same pixels.  Pillow only
(no numpy): the noise comes from ``random.Random.randbytes`` shaped by a lookup table, which is both
deterministic and fast enough (well under half a second per A4 page at 300 dpi).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from archive.demo.people import DemoMaterial, DemoPerson

__all__ = ["find_cjk_font", "page_lines", "render_page", "seal_text_for"]

_FONT_DIRS = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/noto-cjk"),
    Path("/usr/share/fonts/google-noto-cjk"),
    Path("/usr/share/fonts/OTF"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts"),
)
_FONT_FILES = {
    "serif": ("NotoSerifCJK-Regular.ttc", "NotoSerifCJKsc-Regular.otf", "NotoSerifSC-Regular.otf"),
    "sans": ("NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansSC-Regular.otf"),
}

_MM_PER_INCH = 25.4


# --- fonts --------------------------------------------------------------------------------------------


@functools.cache
def find_cjk_font(style: str = "serif") -> Path:
    """Return a font file that covers simplified Chinese: Noto Serif CJK (宋体-like) or Noto Sans CJK.

    ``style`` is ``"serif"`` or ``"sans"``; the other style is the fallback, then whatever
    ``fc-list :lang=zh`` offers.  Raises :class:`RuntimeError` when the machine has no CJK font.
    """
    order = (style, "sans" if style == "serif" else "serif")
    for wanted in order:
        for folder in _FONT_DIRS:
            for name in _FONT_FILES[wanted]:
                if (folder / name).is_file():
                    return folder / name
    found = _fc_list_zh()
    if found:
        # Prefer Noto/Source Han, then anything else fontconfig says covers Chinese.
        found.sort(key=lambda p: (not any(k in p.name for k in ("Noto", "SourceHan")), p.name))
        return found[0]
    raise RuntimeError(
        "No CJK font found for rendering demo pages: install fonts-noto-cjk "
        "(apt-get install fonts-noto-cjk) or another font covering simplified Chinese."
    )


def _fc_list_zh() -> list[Path]:
    exe = shutil.which("fc-list")
    if not exe:
        return []
    try:
        out = subprocess.run([exe, ":lang=zh", "file"], capture_output=True, text=True, timeout=20,
                             check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    paths = [Path(line.split(":")[0].strip()) for line in out.splitlines() if line.strip()]
    return [p for p in paths if p.suffix.lower() in (".ttc", ".otf", ".ttf") and p.is_file()]


@functools.cache
def _sc_face_index(path: Path) -> int:
    """Index of the simplified-Chinese face in a collection (Noto's .ttc puts JP first)."""
    if path.suffix.lower() != ".ttc":
        return 0
    for index in range(12):
        try:
            family, _style = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            break
        if family and family.endswith(" SC") and "Mono" not in family:
            return index
    return 0


@functools.cache
def _font(style: str, size: int) -> ImageFont.FreeTypeFont:
    path = find_cjk_font(style)
    return ImageFont.truetype(str(path), size, index=_sc_face_index(path))


# --- page text ----------------------------------------------------------------------------------------

_CN_DIGITS = "〇一二三四五六七八九"
_NATIVE_PLACES = ("北京市", "北京市", "北京市", "河北省保定市", "河北省沧州市", "山东省德州市", "天津市",
                  "山西省大同市", "河南省安阳市", "辽宁省沈阳市")
_SCHOOLS = ("北京市第三十一中学", "北京市第八中学", "北京市第四十一中学", "北京市宣武区第十五中学",
            "北京市第一五六中学", "北京市第三中学")
_TECH_SCHOOLS = ("北京机械工业学校", "北京财贸学校", "北京市化工学校", "北京电子工业学校")
_COLLEGES = ("北京工业学院", "北京钢铁学院", "北京化工学院", "北京师范学院", "北京经济学院", "北京工业大学")
_RELATIVES = ("父亲", "母亲", "配偶", "长子", "长女", "次子", "次女")
_RELATIVE_JOBS = ("退休工人", "干部", "家务", "工人", "教师", "职员", "学生", "已故")
_PRAISE = (
    "该同志工作认真负责，遵守劳动纪律，团结同志，积极完成各项生产任务。",
    "热爱本职工作，服从组织分配，能够虚心学习业务技术，技术水平提高较快。",
    "政治上积极要求进步，认真学习，关心集体，群众关系较好。",
    "工作中能吃苦耐劳，勤勤恳恳，多次超额完成生产计划，受到车间表扬。",
    "严格执行安全操作规程，爱护国家财产，厉行节约，反对浪费。",
    "能够正确对待个人利益和集体利益的关系，服从工作安排，不计较个人得失。",
    "缺点是工作方法有时简单，今后应注意加强学习，不断提高业务能力。",
    "出勤率高，全年无事故，积极参加技术革新和合理化建议活动。",
    "能够认真学习马列主义、毛泽东思想，积极参加政治学习和集体活动。",
    "对待群众热情，服务态度好，多次受到顾客表扬。",
    "带徒弟耐心负责，毫无保留地传授操作技术。",
    "在完成本职工作的同时，主动承担车间的宣传和工会工作。",
    "有一定的组织能力，能够带领班组完成生产任务，质量、产量均居前列。",
)
# Single-sheet documents that are not forms: no particulars block, no signature lines.
_CERTIFICATES = ("毕业证书", "身份证复印件", "独生子女", "培训结业证书")
_APPROVALS = (
    "单位意见：同意。", "主管部门意见：同意。", "党组织意见：同意。", "人事部门意见：情况属实，同意。",
)


def _cn_date(partial: str) -> str:
    """'1985-03-12' → '1985年3月12日', keeping the precision that was given."""
    parts = [int(p) for p in partial.split("-")]
    out = f"{parts[0]}年"
    if len(parts) > 1:
        out += f"{parts[1]}月"
    if len(parts) > 2:
        out += f"{parts[2]}日"
    return out


def _cn_upper_date(day: dt.date) -> str:
    """Certificates spell dates in Chinese digits: 一九七二年七月."""
    year = "".join(_CN_DIGITS[int(c)] for c in str(day.year))
    tens, ones = divmod(day.month, 10)
    month = ("十" if tens else "") + (_CN_DIGITS[ones] if ones else "")
    return f"{year}年{month}月"


def _month(day: dt.date) -> str:
    return f"{day.year}年{day.month}月"


def _formed_date(material: DemoMaterial) -> dt.date:
    parts = [int(p) for p in material.formed.split("-")] + [1, 1]
    return dt.date(parts[0], parts[1], parts[2])


def _politics(person: DemoPerson, on: dt.date) -> str:
    if person.party_joined is not None and person.party_joined <= on:
        return "中共党员"
    if on.year - person.birth_date.year <= 27 and person.birth_date.year >= 1940:
        return "共青团员"
    return "群众"


def _years_between(start: dt.date, end: dt.date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _sex_cn(person: DemoPerson) -> str:
    return "男" if person.sex == "M" else "女"


def _particulars(person: DemoPerson, on: dt.date, rng: random.Random) -> list[str]:
    native = _NATIVE_PLACES[sum(map(ord, person.id_number)) % len(_NATIVE_PLACES)]
    lines = [
        f"姓名：{person.name}　　性别：{_sex_cn(person)}　　出生日期：{_month(person.birth_date)}",
        f"民族：汉族　　籍贯：{native}　　文化程度：{person.education or '高中'}",
        f"工作单位：{person.employer}",
        f"参加工作时间：{_month(person.work_start)}　　政治面貌：{_politics(person, on)}",
    ]
    if on.year >= 1986:  # resident ID cards were issued from 1985 on
        lines.append(f"身份证号码：{person.id_number}")
    if rng.random() < 0.5:
        lines.append(f"家庭住址：北京市{person.hukou_district}区{person.hukou_street}街道")
    return lines


def _school(person: DemoPerson) -> str:
    rng = random.Random(person.id_number)
    if person.education in ("大专", "大学本科"):
        return rng.choice(_COLLEGES)
    return rng.choice(_TECH_SCHOOLS if person.education == "中专" else _SCHOOLS)


def _resume(person: DemoPerson) -> list[str]:
    """简历 entries: middle school, college where there was one, then the employer up to today."""
    rng = random.Random(person.id_number + "|school")
    left = person.work_start - dt.timedelta(days=40)
    lines = ["本人简历："]
    if person.education in ("大专", "大学本科"):
        years = 4 if person.education == "大学本科" else 3
        college_start = dt.date(left.year - years, 9, 1)
        school_from = dt.date(college_start.year - 6, 9, 1)
        school_to = college_start - dt.timedelta(days=60)
        lines.append(f"{_month(school_from)}—{_month(school_to)}　{rng.choice(_SCHOOLS)}　学生")
        lines.append(f"{_month(college_start)}—{_month(left)}　{_school(person)}　学生")
    else:
        years = {"初中": 3, "高中": 6, "中专": 4}.get(person.education, 3)
        lines.append(f"{_month(dt.date(left.year - years, 9, 1))}—{_month(left)}　{_school(person)}　学生")
    lines.append(f"{_month(person.work_start)}—　{person.employer}　{person.position or '工人'}")
    return lines


def _family(person: DemoPerson, rng: random.Random) -> list[str]:
    lines = ["家庭成员及主要社会关系："]
    surname = person.name[0]
    spouse_surname = rng.choice("王李张刘陈杨赵黄周吴")
    # Children take the father's surname: the person's own for men, the spouse's for women.
    child_surname = surname if person.sex == "M" else spouse_surname
    male = ("德顺", "志远", "长林", "宝山", "建新", "永明")
    female = ("淑兰", "桂芝", "玉华", "秀琴", "丽萍", "春燕")
    for relation in rng.sample(_RELATIVES, 4):
        if relation == "父亲":
            name = surname + rng.choice(male)
        elif relation == "母亲":
            name = rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(female)
        elif relation == "配偶":
            name = spouse_surname + rng.choice(female if person.sex == "M" else male)
        else:
            name = child_surname + rng.choice(male if relation.endswith("子") else female)
        lines.append(f"{relation}　{name}　{rng.choice(_RELATIVE_JOBS)}")
    return lines


def _narrative(person: DemoPerson, material: DemoMaterial, rng: random.Random) -> list[str]:
    title = material.title
    formed = _formed_date(material)
    sex = _sex_cn(person)
    if "毕业证书" in title:
        return [
            f"　　学生{person.name}，性别{sex}，{_cn_upper_date(person.birth_date)}生，于"
            f"{_cn_upper_date(formed)}在本校修业期满，成绩合格，准予毕业。",
            f"　　校长：{rng.choice('王李张刘赵')}{rng.choice(('文华', '树人', '振国'))}",
            f"　　　　　　　　　　　　　　{_cn_upper_date(formed)}",
        ]
    if "培训结业" in title:
        course = rng.choice(("企业管理", "安全生产", "财务会计", "计算机应用"))
        return [f"　　{person.name}同志参加{course}培训班学习，经考核成绩合格，准予结业。",
                f"　　　　　　　　　　　　　　{_cn_upper_date(formed)}"]
    if "毕业生登记表" in title:
        subject = rng.choice(("机械制造", "会计", "化工", "电气"))
        return [f"毕业学校：{_school(person)}", f"所学专业：{subject}",
                "　　学习期间思想进步，学习努力，各科成绩良好，毕业鉴定合格。"]
    if "自传" in title or "思想汇报" in title:
        return [
            f"　　我叫{person.name}，{_month(person.birth_date)}出生在北京。{_month(person.work_start)}"
            f"参加工作，分配到{person.employer}当{person.position or '工人'}。",
            "　　参加工作以后，在党组织和老师傅的帮助下，我努力学习政治和业务技术，"
            "认识到只有把个人的工作同国家建设联系在一起，才能做出成绩。",
            "　　我的缺点是有时急躁，学习抓得不紧。今后一定虚心向老同志学习，"
            "克服缺点，把工作做得更好。",
        ]
    if "鉴定" in title or "考核" in title:
        picks = rng.sample(_PRAISE, rng.randint(3, 5))
        grade = rng.choice(("合格", "合格", "称职", "优秀"))
        return ["工作表现：", *(f"　　{p}" for p in picks), f"考核结果：{grade}", "单位意见：同意。"]
    if "评审表" in title or "技术等级" in title or "技师" in title:
        level = "助理工程师" if "助理" in title else "工程师" if "中级" in title else "中级工"
        if "技师" in title:
            level = "技师"
        return [f"申报资格：{level}", f"现从事工作：{person.position or '技术'}",
                "　　该同志业务熟练，能独立解决生产中的技术问题，经考核、评审，具备相应任职资格。",
                f"评审委员会意见：同意{person.name}同志具备{level}资格。"]
    if "政治审查" in title:
        return ["　　经调查，该同志本人历史清楚，家庭成员及主要社会关系中无重大政治历史问题。",
                "政审结论：合格，同意录用。"]
    if "入团" in title:
        return ["　　我志愿加入中国共产主义青年团，坚决拥护中国共产党的领导，遵守团的章程，"
                "执行团的决议，履行团员义务。", "团支部大会决议：同意接收为共青团员。"]
    if "入党" in title or "转正申请" in title or "党员登记" in title:
        joined = person.party_joined or formed
        return ["　　我志愿加入中国共产党，拥护党的纲领，遵守党的章程，履行党员义务，"
                "执行党的决定，严守党的纪律，保守党的秘密，对党忠诚，积极工作。",
                f"入党时间：{_cn_date(joined.isoformat())}",
                "支部大会决议：同意接收为中共预备党员。" if "志愿书" in title else "党支部意见：同意。"]
    if "先进" in title or "劳动模范" in title or "奖励" in title:
        return [f"　　{person.name}同志在{formed.year}年度工作中成绩突出，经群众评议、领导批准，"
                f"评为{rng.choice(('先进生产者', '先进工作者', '劳动模范'))}，特予表彰。"]
    if "处分" in title:
        verb = "撤销" if "撤销" in title else "给予"
        return [f"　　经研究，决定{verb}{person.name}同志警告处分。", "　　本人对处分决定无异议。"]
    if "转正定级" in title:
        grade = rng.choice(("二级工", "三级工", "行政二十三级"))
        return [f"学徒（见习）期满时间：{_month(formed)}", f"定级：{grade}",
                f"工资标准：每月{rng.randint(33, 45)}元", "　　该同志见习期间表现良好，同意按期转正定级。"]
    if "工资" in title:
        old = rng.randint(40, 120) + (formed.year - 1960) * 6
        return [f"原工资：每月{old}元", f"调整后工资：每月{old + rng.randint(5, 30)}元",
                f"调整时间：{_month(formed)}", "审批意见：同意。"]
    if "招工" in title or "录用" in title:
        return [f"招工（录用）单位：{person.employer}", f"录用时间：{_month(person.work_start)}",
                f"工种（岗位）：{person.position or '工人'}",
                "　　经审查、体检合格，同意录用为全民所有制固定职工。"]
    if "劳动合同" in title:
        return [f"甲方：{person.employer}", f"乙方：{person.name}",
                "第一条　合同期限：双方签订无固定期限劳动合同。",
                "第二条　乙方同意根据甲方工作需要，从事本岗位工作。",
                "第三条　甲方按照国家规定为乙方缴纳养老、医疗、失业等社会保险费。"]
    if "调动" in title:
        return [f"　　兹介绍{person.name}同志调往{person.employer}工作，请接洽。",
                "　　该同志工资关系、档案随转。"]
    if "任免" in title:
        return [f"拟任职务：{rng.choice(('车间副主任', '科长', '副科长', '工段长'))}",
                "　　经党委研究，同意任命。"]
    if "退休审批" in title:
        service = _years_between(person.work_start, person.retired_on)
        return [f"退休时间：{_cn_date(person.retired_on.isoformat())}", f"连续工龄：{service}年",
                f"退休费：按本人基本工资的{rng.choice((75, 80, 85, 90))}%计发",
                f"　　经审核，{person.name}同志符合国家规定的退休条件，同意退休。"]
    if "出国" in title:
        return [f"出访国家（地区）：{rng.choice(('日本', '德国', '苏联', '美国'))}",
                "出访任务：技术考察", "　　经审查，同意派出。"]
    if "健康检查" in title:
        return ["血压：正常　心肺：未见异常", "肝脾：未触及　视力：左1.2　右1.0", "结论：健康"]
    if "身份证" in title:
        return [f"公民身份号码　{person.id_number}", f"住址　北京市{person.hukou_district}区",
                "签发机关　北京市公安局"]
    if "独生子女" in title:
        return ["　　响应国家号召，只生育一个孩子，特发此证。"]
    return ["主要表现：", *(f"　　{p}" for p in rng.sample(_PRAISE, rng.randint(2, 4)))]


def seal_text_for(person: DemoPerson, material: DemoMaterial) -> str:
    """The unit whose seal a material bears: the school for diplomas, else the employer."""
    if "毕业" in material.title and "成人" not in material.title:
        return _school(person)
    return person.employer


def page_lines(person: DemoPerson, material: DemoMaterial, page_no: int) -> list[str]:
    """Return the text of page ``page_no`` (1-based) of ``material``: heading first, then body lines."""
    rng = random.Random(f"{person.archive_no}|{material.label}|{material.seq}|{page_no}")
    formed = _formed_date(material)
    last = page_no >= material.pages
    register = "履历" in material.title or "登记表" in material.title
    certificate = any(k in material.title for k in _CERTIFICATES)
    if certificate:  # a certificate or copy carries its own wording, not a form
        return [material.title, *_narrative(person, material, rng)]
    if page_no == 1:
        lines = [material.title, *_particulars(person, formed, rng)]
        if register:
            lines += _resume(person)
        lines += _narrative(person, material, rng)
    else:
        lines = [f"{material.title}（续）"]
        if page_no == 2 and register:
            lines += _family(person, rng)
        if register:
            lines += ["何时何地受过何种奖励或处分：无", "有何特长：无"]
        lines += [f"　　{p}" for p in rng.sample(_PRAISE, rng.randint(3, 6))]
    if last:
        if page_no > 1 or material.pages == 1:
            lines += rng.sample(_APPROVALS, 2)
        lines += ["", f"　　本人签名：{person.name}",
                  f"　　　　　　　　　　　　填表日期：{_cn_date(material.formed)}"]
    else:
        lines.append(f"（第{page_no}页，共{material.pages}页）")
    return lines


# --- rendering ----------------------------------------------------------------------------------------


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Break a line to ``width``; punctuation never starts a line (禁则)."""
    out: list[str] = []
    current = ""
    for ch in text:
        if current and font.getlength(current + ch) > width and ch not in "，。、；：）」』！？":
            out.append(current)
            current = ch
        else:
            current += ch
    out.append(current)
    return out


def _grain_lut(rng: random.Random, strength: float) -> list[int]:
    """Map uniform bytes to a darkening that is mostly 0–3 levels with a thin tail (gaussian-ish)."""
    lut = []
    for v in range(256):
        u = (v + 0.5) / 256
        # Inverse of a logistic curve: cheap, symmetric, heavier tails than a gaussian.
        z = math.log(u / (1 - u))
        lut.append(max(0, min(60, round(abs(z) * strength))))
    rng.shuffle(lut)  # the byte→value map need not be monotone; shuffling costs nothing
    return lut


def _draw_seal(size: int, text: str, font_px: int) -> Image.Image:
    """A round red official seal (公章) on white, meant to be multiplied onto the page."""
    seal = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(seal)
    red = (205, 40, 45)
    ring = max(3, size // 36)
    draw.ellipse((ring, ring, size - ring, size - ring), outline=red, width=ring)
    cx = cy = size / 2
    star_r = size * 0.16
    points = []
    for k in range(10):
        r = star_r if k % 2 == 0 else star_r * 0.4
        phi = math.pi / 2 + k * math.pi / 5
        points.append((cx + r * math.cos(phi), cy - r * math.sin(phi)))
    draw.polygon(points, fill=red)
    # Long unit names get smaller characters so that they fit the upper 250° of the ring.
    font_px = max(8, min(font_px, round(size * 0.95 * math.pi * 250 / 360 / max(1, len(text)) * 0.62)))
    font = _font("sans", font_px)
    radius = size / 2 - ring * 2 - font_px * 0.65
    span = min(250.0, 250.0 * len(text) * font_px / (radius * math.radians(250)) * 1.1)
    for i, ch in enumerate(text):
        phi = -span / 2 + span * (i + 0.5) / len(text)
        glyph = Image.new("L", (font_px * 2, font_px * 2), 0)
        ImageDraw.Draw(glyph).text((font_px, font_px), ch, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-phi, resample=Image.Resampling.BILINEAR)
        x = cx + radius * math.sin(math.radians(phi)) - font_px
        y = cy - radius * math.cos(math.radians(phi)) - font_px
        seal.paste(red, (round(x), round(y)), glyph)
    return seal


def render_page(
    lines: Sequence[str],
    *,
    seed: int | str,
    dpi: int = 300,
    paper: tuple[float, float] = (210, 297),
    skew_deg: float | None = None,
    noise: bool = True,
    colour: bool = False,
    red_header: bool = False,
    seal_text: str = "",
) -> Image.Image:
    """Render ``lines`` (first = heading) as a scanned page and return an ``L`` or ``RGB`` image.

    ``paper`` is in millimetres (A4 at 300 dpi gives 2480×3508 px); body text is about 12 pt.  With
    ``skew_deg=None`` the page is turned by a random angle within ±0.6°.  ``red_header`` draws a red
    heading rule and a round seal (with ``seal_text`` around it) and implies ``colour``, because a scan of
    a red seal is kept in colour.  ``info['dpi']`` carries the resolution.
    """
    rng = random.Random(seed)
    colour = colour or red_header
    width = round(paper[0] / _MM_PER_INCH * dpi)
    height = round(paper[1] / _MM_PER_INCH * dpi)
    px_per_mm = dpi / _MM_PER_INCH
    tone = rng.randint(236, 250)
    # Colour scans show the yellowing of old paper; grey scans only its tone.
    yellowed = (tone, tone - rng.randint(1, 5), tone - rng.randint(6, 16))
    paper_fill: int | tuple[int, int, int] = yellowed if colour else tone
    page = Image.new("RGB" if colour else "L", (width, height), paper_fill)
    draw = ImageDraw.Draw(page)
    ink_v = rng.randint(20, 55)
    ink: int | tuple[int, int, int] = (ink_v, ink_v, ink_v + 8) if colour else ink_v
    red = (200, 35, 40)

    body_px = max(8, round(12 / 72 * dpi))  # 12 pt ≈ 50 px at 300 dpi
    title_px = round(body_px * 1.6)
    body = _font("serif", body_px)
    heading = _font("sans", title_px)
    left = round(25 * px_per_mm) + rng.randint(-round(2 * px_per_mm), round(2 * px_per_mm))
    right = width - round(20 * px_per_mm)
    bottom = height - round(20 * px_per_mm)
    y = round(22 * px_per_mm) + rng.randint(0, round(4 * px_per_mm))
    rule_w = max(1, round(dpi / 150))

    if lines:
        title_ink = red if red_header else ink
        draw.text(((left + right) / 2, y), lines[0], font=heading, fill=title_ink, anchor="ma")
        y += round(title_px * 1.5)
        if red_header:
            draw.rectangle((left, y, right, y + 3 * rule_w), fill=red)
            y += round(body_px * 0.9)
    line_h = round(body_px * 1.55)
    # Text sits on a baseline about one em down; rules run in the gap below the descenders.
    baseline = round(body_px * 1.0)
    gap = round(line_h * 0.12)
    pad = round(body_px * 0.25)
    box_top: int | None = None
    for raw in lines[1:]:
        is_field = "：" in raw and not raw.startswith("　")
        if is_field and box_top is None:
            box_top = y - gap
        if not is_field and box_top is not None:  # close the ruled form box above
            draw.rectangle((left - pad, box_top, right, y - gap), outline=ink, width=rule_w)
            box_top = None
        for part in _wrap(raw, body, right - left - 2 * pad) if raw else [""]:
            if y + line_h > bottom:
                break
            draw.text((left + (pad if is_field else 0), y + baseline), part, font=body, fill=ink, anchor="ls")
            y += line_h
            if is_field:  # each form row has its rule, as on a printed 登记表
                draw.line((left - pad, y - gap, right, y - gap), fill=ink, width=rule_w)
    if box_top is not None:
        draw.rectangle((left - pad, box_top, right, y - gap), outline=ink, width=rule_w)

    if noise:
        # Specks and dust, and sometimes the binding holes of the file's spine (never retouched away).
        for _ in range(rng.randint(40, 160)):
            x0, y0 = rng.randrange(width), rng.randrange(height)
            r = rng.choice((1, 1, 1, 2, 2, 3)) * max(1, dpi // 300)
            shade = rng.randint(60, 200)
            draw.ellipse((x0 - r, y0 - r, x0 + r, y0 + r), fill=(shade,) * 3 if colour else shade)
        if rng.random() < 0.3:
            hole_r = round(3 * px_per_mm)
            hx = round(8 * px_per_mm)
            for hy in (height * 0.3, height * 0.7):
                dark = (70, 70, 70) if colour else 70
                draw.ellipse((hx - hole_r, hy - hole_r, hx + hole_r, hy + hole_r), fill=dark)

    if red_header:
        size = round(42 * px_per_mm)  # an official seal is 42 mm across
        seal = _draw_seal(size, seal_text or "劳动人事专用章", round(body_px * 1.1))
        seal = seal.rotate(rng.uniform(-15, 15), resample=Image.Resampling.BILINEAR,
                           fillcolor=(255, 255, 255))
        sx = right - size - rng.randint(0, round(20 * px_per_mm))
        sy = min(max(y - size // 2 - line_h, round(60 * px_per_mm)), bottom - size)
        region = page.crop((sx, sy, sx + size, sy + size))
        page.paste(ImageChops.multiply(region, seal), (sx, sy))  # ink over ink, like a stamp

    angle = rng.uniform(-0.6, 0.6) if skew_deg is None else skew_deg
    if angle:
        page = page.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=paper_fill)
    if noise:
        if not angle:  # optics: no scanner is razor sharp (a bilinear turn already softens as much)
            page = page.filter(ImageFilter.BoxBlur(0.6 * dpi / 300))
        # Uneven paper tone: a coarse random field blown up smoothly.
        cw, ch = max(2, width // 96), max(2, height // 96)
        blotch = Image.frombytes("L", (cw, ch), rng.randbytes(cw * ch)).point(lambda v: v * 10 // 255)
        darken = blotch.resize((width, height), Image.Resampling.BILINEAR)
        grain = Image.frombytes("L", (width, height), rng.randbytes(width * height))
        grain = grain.point(_grain_lut(rng, 1.6))
        darken = ImageChops.add(darken, grain)
        if colour:
            darken = Image.merge("RGB", (darken, darken, darken))
        page = ImageChops.subtract(page, darken)
    page.info["dpi"] = (dpi, dpi)
    return page
