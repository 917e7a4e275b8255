"""A labelled page set for the OCR accuracy benchmark: pages whose text is known, under named conditions.

Deliberately *not* the demo's renderer (``archive.demo.pages``): other fonts (楷体, 明体, 黑体, 仿宋 and a
handwriting-like 楷 from Debian's font packages, never the demo's Noto Serif), other texts (its own
phrase pools, not the demo people's materials), other layouts (indented prose, fully ruled 登记表 grids,
signature blocks), other seals (double-ringed, with a horizontal band of text) and other damage (JPEG
noise, fading, photocopies of photocopies, whole pages turned by 90° or 180°).  A benchmark on the
demo's own look would measure how well the pipeline fits one look; this measures how it generalises.

Every page is seeded: the same condition, index and seed give the same pixels and the same text.  The
ground truth of a page is its body text (what the page's OCR text should be) and, separately, the text
of any seal on it (what the seal reader should find); seal text is *not* part of the body text.

Fonts are looked up with ``fc-match`` by family name; a missing font raises with the Debian package
that has it (``scripts/setup.sh --test`` installs them all).
"""

from __future__ import annotations

import functools
import io
import math
import random
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

# family → Debian package.  楷体, 宋/明体, 黑体, 仿宋, and 霞鹜文楷 as the handwriting-like hand.
FONTS: dict[str, tuple[str, str]] = {
    "kai": ("AR PL UKai CN", "fonts-arphic-ukai"),
    "ming": ("AR PL UMing CN", "fonts-arphic-uming"),
    "hei": ("WenQuanYi Zen Hei", "fonts-wqy-zenhei"),
    "fangsong": ("FandolFang", "texlive-lang-chinese"),
    "hand": ("LXGW WenKai", "fonts-lxgw-wenkai"),
}
# TeX Live's fonts are not registered with fontconfig: their files are looked for where Debian puts them.
_TEXLIVE_FONTS = {"FandolFang": "/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/FandolFang-Regular.otf"}
FONT_LABELS = {"kai": "楷体", "ming": "明体", "hei": "黑体", "fangsong": "仿宋", "hand": "手写楷"}

_MM_PER_INCH = 25.4


@functools.cache
def font_file(key: str) -> tuple[str, int]:
    """(file, face index) of the font ``key`` names; raises naming the Debian package when it is missing."""
    family, package = FONTS[key]
    if family in _TEXLIVE_FONTS:
        if not Path(_TEXLIVE_FONTS[family]).is_file():
            raise RuntimeError(f"font {family!r} is not installed: apt-get install {package} (scripts/setup.sh --test)")
        return _TEXLIVE_FONTS[family], 0
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{family}\t%{file}\t%{index}", family], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise RuntimeError(f"fc-match failed ({exc}); install fontconfig") from exc
    families, path, index = out.split("\t")
    if family.lower() not in families.lower():
        raise RuntimeError(f"font {family!r} is not installed: apt-get install {package} (scripts/setup.sh --test)")
    return path, int(index or 0)


@functools.cache
def _font(key: str, px: int) -> ImageFont.FreeTypeFont:
    path, index = font_file(key)
    return ImageFont.truetype(path, px, index=index)


# --- texts --------------------------------------------------------------------------------------------

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文"  # noqa: E501
_GIVEN = "秀兰桂英玉珍凤芝淑华丽敏静立新志强海波建平明军国庆红梅春生永福德明宏伟振华德胜文彬桂芳月娥金凤光荣学勤继承"
_PLACES = ["河北省保定", "山东省潍坊", "江苏省南通", "浙江省绍兴", "湖南省湘潭", "四川省南充", "河南省洛阳",
           "安徽省芜湖", "辽宁省鞍山", "陕西省宝鸡", "湖北省襄樊", "江西省九江", "山西省大同", "福建省泉州"]
_UNITS = ["第二机床厂", "红星纺织厂", "市第三建筑公司", "东风农机修配厂", "区粮食局", "市百货公司", "县供销合作社",
          "前进化工厂", "市运输公司", "城关公社", "光明食品厂", "区房管所", "市第一中学", "人民医院"]
_POSTS = ["车工", "技术员", "会计", "保管员", "教员", "干事", "副科长", "统计员", "检验员", "司机", "出纳", "护士"]
_SCHOOLS = ["县第一中学", "市师范学校", "省工业学校", "区第四小学", "市财贸学校", "省卫生学校"]
_SENTENCES = [
    "该同志工作积极肯干，服从组织分配，团结同志，群众反映较好。",
    "能认真学习政治理论，积极参加各项政治运动，思想进步较快。",
    "工作中吃苦耐劳，不计较个人得失，多次完成突击任务。",
    "对自己要求不够严格，有时工作方法简单，今后应注意改进。",
    "经审查，本人所填家庭情况和社会关系属实，无政治历史问题。",
    "同意该同志转为正式职工，工资按国家规定的标准执行。",
    "希望今后继续发扬成绩，克服缺点，在工作中作出更大的贡献。",
    "本人历史清楚，家庭出身和本人成分均已查实，特此证明。",
    "经研究决定，调该同志到新的工作岗位，请办理有关手续。",
    "该同志于试用期间表现良好，经考核合格，同意按期转正。",
    "在技术革新中提出合理化建议三项，为厂里节约了大量原材料。",
    "遵守劳动纪律，全年出满勤，被评为本单位先进生产者。",
]
_FIELD_LABELS = ["姓名", "性别", "出生年月", "民族", "籍贯", "文化程度", "家庭出身", "本人成分", "参加工作时间",
                 "政治面貌", "现工作单位", "职务", "工资级别", "婚姻状况"]
_HEADINGS = ["干部登记表", "职工登记表", "招工审批表", "转正定级审批表", "工作调动介绍信", "鉴定表", "证明材料",
             "工资调整审批表", "自传", "入团志愿书"]
_SEAL_UNITS = ["红星纺织厂革命委员会", "市第三建筑公司", "区粮食局人事科", "东风农机修配厂", "县供销合作社",
               "市运输公司政治处", "城关公社管理委员会", "市劳动局"]


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.choice((1, 2))))


def _values(rng: random.Random) -> dict[str, str]:
    year = rng.randint(1930, 1962)
    return {
        "姓名": _name(rng), "性别": rng.choice("男女"), "出生年月": f"{year}年{rng.randint(1, 12)}月",
        "民族": rng.choice(["汉族", "汉族", "回族", "满族"]), "籍贯": rng.choice(_PLACES),
        "文化程度": rng.choice(["初中", "高中", "中专", "小学", "大专"]),
        "家庭出身": rng.choice(["贫农", "中农", "工人", "职员"]), "本人成分": rng.choice(["学生", "工人", "职员"]),
        "参加工作时间": f"{year + rng.randint(16, 22)}年{rng.randint(1, 12)}月",
        "政治面貌": rng.choice(["群众", "共青团员", "中共党员"]), "现工作单位": rng.choice(_UNITS),
        "职务": rng.choice(_POSTS), "工资级别": f"{rng.choice('二三四五六')}级",
        "婚姻状况": rng.choice(["已婚", "未婚"]),
    }


def prose_lines(rng: random.Random, count: int) -> list[str]:
    """A heading and ``count`` lines of prose: particulars, a résumé, an assessment, a date."""
    v = _values(rng)
    heading = rng.choice(_HEADINGS)
    start = int(v["参加工作时间"][:4])
    paras = [
        f"{v['姓名']}，{v['性别']}，{v['出生年月']}生，{v['籍贯']}人，{v['文化程度']}文化，{v['政治面貌']}。",
        f"{start - 3}年在{rng.choice(_SCHOOLS)}读书，{start}年{rng.randint(1, 12)}月参加工作，"
        f"先后在{rng.choice(_UNITS)}、{v['现工作单位']}任{v['职务']}。",
        *rng.sample(_SENTENCES, count - 2),
        f"证明人：{_name(rng)}、{_name(rng)}",
        f"{start + rng.randint(2, 12)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
    ]
    return [heading, *paras]


def table_rows(rng: random.Random) -> tuple[str, list[list[str]], list[str]]:
    """A 登记表: heading, rows of label/value cells (two pairs a row), and the text of its 简历 box."""
    v = _values(rng)
    labels = list(_FIELD_LABELS)
    rows = [[labels[i], v[labels[i]], labels[i + 1], v[labels[i + 1]]] for i in range(0, len(labels), 2)]
    start = int(v["参加工作时间"][:4])
    resume = [
        f"{start - 6}年至{start - 3}年在{rng.choice(_SCHOOLS)}读书",
        f"{start}年至{start + 4}年在{rng.choice(_UNITS)}任{rng.choice(_POSTS)}",
        f"{start + 5}年至今在{v['现工作单位']}任{v['职务']}",
    ]
    return rng.choice(_HEADINGS[:4]), rows, resume


# --- drawing ------------------------------------------------------------------------------------------


@dataclass
class LabelledPage:
    """One generated page: its condition, the image, the known body text and the known seal texts."""

    condition: str
    label: str
    image: Image.Image
    lines: list[str]
    seals: list[str] = field(default_factory=list)
    dpi: int = 300
    font: str = "ming"
    skew_deg: float = 0.0
    rotation: int = 0  # the whole page turned by this many degrees counter-clockwise

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float, indent: str = "") -> list[str]:
    out, current = [], indent
    for ch in text:
        if font.getlength(current + ch) > width and ch not in "，。、；：）！？":
            out.append(current)
            current = ""
        current += ch
    if current.strip():
        out.append(current)
    return out


def _draw_seal(px: int, unit: str, band: str, font_key: str) -> Image.Image:
    """A double-ringed red seal: the unit around the top, a band of text across the middle (L mask)."""
    mask = Image.new("L", (px, px), 0)
    draw = ImageDraw.Draw(mask)
    outer = max(4, px // 30)
    draw.ellipse((outer, outer, px - outer, px - outer), outline=255, width=outer)
    inner = outer * 3
    draw.ellipse((inner, inner, px - inner, px - inner), outline=255, width=max(1, outer // 3))
    glyph_px = max(10, round(px * 0.12))
    font = _font(font_key, glyph_px)
    radius = px / 2 - inner - glyph_px * 0.75
    span = min(240.0, len(unit) * glyph_px * 1.05 / radius * 180 / math.pi)
    for i, ch in enumerate(unit):
        phi = -span / 2 + span * (i + 0.5) / len(unit)
        tile = Image.new("L", (glyph_px * 2, glyph_px * 2), 0)
        ImageDraw.Draw(tile).text((glyph_px, glyph_px), ch, font=font, fill=255, anchor="mm")
        tile = tile.rotate(-phi, resample=Image.Resampling.BILINEAR)
        x = px / 2 + radius * math.sin(math.radians(phi)) - glyph_px
        y = px / 2 - radius * math.cos(math.radians(phi)) - glyph_px
        mask.paste(255, (round(x), round(y)), tile)
    band_font = _font(font_key, max(8, round(px * 0.1)))
    draw.text((px / 2, px * 0.62), band, font=band_font, fill=255, anchor="mm")
    draw.regular_polygon((px / 2, px * 0.42, px * 0.07), 5, fill=255)
    return mask


def _stamp(page: Image.Image, mask: Image.Image, centre: tuple[float, float], rng: random.Random) -> None:
    """Multiply a red seal onto ``page`` (RGB), unevenly inked, turned a little as stamps are."""
    mask = mask.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BILINEAR)
    strength = rng.uniform(0.75, 1.0)
    mask = mask.point(lambda v: round(v * strength))
    red = Image.new("RGB", mask.size, (rng.randint(190, 225), rng.randint(25, 60), rng.randint(35, 70)))
    box = (round(centre[0] - mask.width / 2), round(centre[1] - mask.height / 2))
    region = page.crop((*box, box[0] + mask.width, box[1] + mask.height))
    stamped = ImageChops.multiply(region, Image.composite(red, Image.new("RGB", mask.size, "white"), mask))
    page.paste(stamped, box)


def _paper(size: tuple[int, int], rng: random.Random, *, yellow: float) -> Image.Image:
    """Off-white paper; ``yellow`` 0–1 moves it toward old, yellowed newsprint."""
    base = 248 - round(18 * yellow)
    colour = (base, base - round(10 * yellow) - rng.randint(0, 3), base - round(40 * yellow) - rng.randint(0, 5))
    return Image.new("RGB", size, colour)


def _render(
    rng: random.Random, *, dpi: int, font_key: str, kind: str, seal: bool, ink: int = 25
) -> tuple[Image.Image, list[str], list[str]]:
    width, height = round(210 / _MM_PER_INCH * dpi), round(297 / _MM_PER_INCH * dpi)
    mm = dpi / _MM_PER_INCH
    page = _paper((width, height), rng, yellow=rng.uniform(0.0, 0.3))
    draw = ImageDraw.Draw(page)
    body_px = max(10, round(rng.choice((11, 12, 14)) / 72 * dpi))
    body = _font(font_key, body_px)
    head = _font(rng.choice(("hei", font_key)), round(body_px * 1.45))
    left, right = round(rng.uniform(22, 30) * mm), width - round(rng.uniform(18, 24) * mm)
    y = round(rng.uniform(25, 40) * mm)
    ink_rgb = (ink, ink, ink + rng.randint(0, 25))  # black or blue-black ink
    truth: list[str] = []
    seals: list[str] = []
    seal_at: tuple[float, float] | None = None
    if kind == "table":
        heading, rows, resume = table_rows(rng)
        draw.text(((left + right) / 2, y), heading, font=head, fill=ink_rgb, anchor="ma")
        truth.append(heading)
        y += round(body_px * 2.6)
        row_h = round(body_px * 2.0)
        rule = max(1, round(dpi / 110))
        cols = [left, left + (right - left) * 0.2, left + (right - left) * 0.5, left + (right - left) * 0.7, right]
        top = y
        for row in rows:
            for c, cell in enumerate(row):
                draw.text((cols[c] + body_px * 0.4, y + row_h / 2), cell, font=body, fill=ink_rgb, anchor="lm")
            truth.append(" ".join(row))
            y += row_h
            draw.line((left, y, right, y), fill=ink_rgb, width=rule)
        for x in cols:
            draw.line((x, top, x, y), fill=ink_rgb, width=rule)
        # The 简历 box: a label cell on the left, lines of text on the right.
        box_top = y
        draw.text((cols[0] + body_px * 0.4, y + row_h / 2), "主要简历", font=body, fill=ink_rgb, anchor="lm")
        truth.append("主要简历")
        for line in resume:
            draw.text((cols[1] + body_px * 0.4, y + row_h / 2), line, font=body, fill=ink_rgb, anchor="lm")
            truth.append(line)
            y += row_h
        draw.rectangle((left, top, right, y), outline=ink_rgb, width=rule)
        draw.line((cols[1], box_top, cols[1], y), fill=ink_rgb, width=rule)
        seal_at = (right - 45 * mm, y - row_h * 1.5)
    else:
        lines = prose_lines(rng, rng.randint(7, 9))
        draw.text(((left + right) / 2, y), lines[0], font=head, fill=ink_rgb, anchor="ma")
        truth.append(lines[0])
        y += round(body_px * 2.8)
        line_h = round(body_px * rng.uniform(1.6, 1.9))
        for para in lines[1:-2]:
            for part in _wrap(para, body, right - left, indent="\u3000\u3000"):
                draw.text((left, y), part, font=body, fill=ink_rgb)
                truth.append(part.strip("\u3000"))
                y += line_h
        y += line_h
        # Signature block: who certifies and the date, right-aligned as letters end.
        for tail in lines[-2:]:
            draw.text((right - body_px, y), tail, font=body, fill=ink_rgb, anchor="ra")
            truth.append(tail)
            y += line_h
        seal_at = (right - body_px * 5, y - line_h * 1.5)
        if seal and rng.random() < 0.5:  # now and then over the middle of the text instead
            seal_at = (left + (right - left) * rng.uniform(0.3, 0.7), y * rng.uniform(0.45, 0.7))
    if seal and seal_at is not None:
        unit = rng.choice(_SEAL_UNITS)
        band = rng.choice(("人事专用章", "", "政工组"))
        _stamp(page, _draw_seal(round(42 * mm), unit, band, "hei"), seal_at, rng)
        seals.append(unit + band)
    return page, truth, seals


# --- damage -------------------------------------------------------------------------------------------


def _grain(image: Image.Image, rng: random.Random, strength: int) -> Image.Image:
    noise = Image.frombytes("L", image.size, rng.randbytes(image.width * image.height))
    lut = [max(0, min(255, 128 + round((v - 128) * strength / 128))) for v in range(256)]
    noise = noise.point(lut).filter(ImageFilter.BoxBlur(0.6))
    grain = Image.merge("RGB", [noise] * 3) if image.mode == "RGB" else noise
    return ImageChops.add(image, grain, scale=1.0, offset=-128)


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert(image.mode)


def _fade(image: Image.Image, rng: random.Random) -> Image.Image:
    """Faded ink on yellowed paper with an uneven tone (a water stain's gradient)."""
    r, g, b = image.split()
    lift = rng.randint(95, 125)  # ink at about 120–150 of 255

    def fade(v: int) -> int:
        return round(lift + v * (255 - lift) / 255)

    faded = Image.merge("RGB", [band.point(fade) for band in (r, g, b)])
    tint = Image.new("RGB", image.size, (238, 222, 180))
    faded = ImageChops.multiply(faded, tint)
    shade = Image.linear_gradient("L")
    shade = shade.transpose(rng.choice(list(Image.Transpose)[:4])).resize(image.size)
    shade = shade.point(lambda v: 255 - v // 6)
    return ImageChops.multiply(faded, Image.merge("RGB", [shade] * 3))


def _photocopy(image: Image.Image, rng: random.Random, generations: int = 2) -> Image.Image:
    """A photocopy of a photocopy: each generation blurs, hardens contrast, adds toner and grey edges."""
    grey = image.convert("L")
    for _ in range(generations):
        grey = grey.filter(ImageFilter.GaussianBlur(grey.width / 2480 * 0.9))
        grey = grey.point(lambda v: 0 if v < 70 else (255 if v > 215 else round((v - 70) * 255 / 145)))
        grey = grey.point(lambda v: min(v, 226))  # the copier's grey background
        small = (grey.width // 4, grey.height // 4)
        specks = Image.frombytes("L", small, rng.randbytes(small[0] * small[1])).point(lambda v: 0 if v < 1 else 255)
        grey = ImageChops.darker(grey, specks.resize(grey.size, Image.Resampling.NEAREST))  # toner specks
        edge = round(grey.width * 0.015)
        ImageDraw.Draw(grey).rectangle((0, 0, grey.width, grey.height), outline=70, width=edge)
        grey = grey.rotate(rng.uniform(-0.4, 0.4), resample=Image.Resampling.BILINEAR, fillcolor=90)
    return grey


def _turn(image: Image.Image, degrees: float, fill: tuple[int, int, int] | int) -> Image.Image:
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=fill)


# --- the set ------------------------------------------------------------------------------------------

CONDITIONS: tuple[str, ...] = (
    "kai", "ming", "hei", "fangsong", "hand", "table", "seal", "skew", "dpi150", "dpi200",
    "jpeg", "faded", "photocopy", "rotated",
)
"""Condition names; the first five are clean 300 dpi prose in one font each."""


def make_page(condition: str, index: int, seed: int = 12, *, damage: bool = True) -> LabelledPage:
    """Page ``index`` of ``condition``: deterministic in (condition, index, seed).

    ``damage=False`` gives the same page (same text, font, layout) straight, upright and clean, so a
    test can compare the reading of a damaged page with the reading of its undamaged twin.
    """
    rng = random.Random(f"{seed}|{condition}|{index}")
    fonts = ("kai", "ming", "hei", "fangsong")
    font_key = condition if condition in FONTS else fonts[(index + len(condition)) % len(fonts)]
    dpi = {"dpi150": 150, "dpi200": 200}.get(condition, 300)
    kind = "table" if condition == "table" else "prose"
    image, lines, seals = _render(rng, dpi=dpi, font_key=font_key, kind=kind, seal=condition == "seal")
    page = LabelledPage(condition, f"{condition}#{index} {FONT_LABELS[font_key]}", image, lines, seals,
                        dpi=dpi, font=font_key)
    if not damage:
        page.image = image.convert("L") if condition != "seal" else image
    elif condition == "skew":
        page.skew_deg = (4.5, -5.0, 2.5, -3.0)[index % 4]
        page.image = _turn(image, page.skew_deg, image.getpixel((5, 5)))  # type: ignore[arg-type]
    elif condition == "rotated":
        page.rotation = (180, 90, 270)[index % 3]
        page.image = image.rotate(page.rotation, expand=True)
    elif condition == "jpeg":
        page.image = _jpeg(_grain(image, rng, 60), rng.randint(18, 30))
    elif condition == "faded":
        page.image = _jpeg(_grain(_fade(image, rng), rng, 24), 85)
    elif condition == "photocopy":
        page.image = _photocopy(image, rng)
    else:
        page.image = _jpeg(_grain(image, rng, 16), 90)
        if condition != "seal" and page.image.mode == "RGB":
            page.image = page.image.convert("L")  # a grey scan, as most black-and-white pages are kept
    if damage and condition in ("skew", "rotated"):
        page.image = _jpeg(_grain(page.image, rng, 16), 90).convert("L")
    page.image.info["dpi"] = (dpi, dpi)
    return page


def labelled_set(per_condition: int = 2, seed: int = 12, conditions: Sequence[str] = CONDITIONS) -> list[LabelledPage]:
    """``per_condition`` pages of every condition, in condition order."""
    return [make_page(c, i, seed) for c in conditions for i in range(per_condition)]


if __name__ == "__main__":  # write the set out for a look: python bench/labelled_pages.py /tmp/labelled
    import sys

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/labelled")
    out.mkdir(parents=True, exist_ok=True)
    for p in labelled_set(int(sys.argv[2]) if len(sys.argv) > 2 else 1):
        stem = p.label.split()[0].replace("#", "-")
        p.image.save(out / f"{stem}.jpg", quality=90, dpi=(p.dpi, p.dpi))
        (out / f"{stem}.txt").write_text(p.text + "\n" + "".join(f"[seal] {s}\n" for s in p.seals), "utf-8")
        print(out / f"{stem}.jpg", p.image.size, p.label)
