"""What a finding says, as a stable text code and its parameters, and the Chinese the command line prints.

A finding is stored as ``text`` (a code such as ``dpi_error``) and ``params`` (JSON: numbers, the page, the
material as ``[class_no, subclass, seq, title]`` …); the web app renders both in the reader's language at display
time (``archive/scanning/finding_texts.py``, through Babel), so switching the UI language changes every message.
This package has no Babel: it keeps the Chinese rendering, which the command line prints and
``Finding.message`` holds, and which the app's Chinese catalogue says the same way
(``tests/unit/test_finding_texts.py`` holds the two together).

Parameters with structure are rendered by name: ``material``/``looks_like`` (``四-1 第2号《毕业证书》``),
``folder`` (``四-1 第2号``), ``cls`` (``四-1``), ``missing`` (``第3、5–7号``), ``formats`` (``JPEG 12页、TIFF 1页``),
``parts`` (the batch's formats and the files holding the rarer ones), ``error`` (a failure code's name),
``item`` (a checklist item), and ``then`` (clauses that follow: a list of ``[text, params]``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingest.model import Finding

__all__ = ["ERROR_NAMES_ZH", "ITEMS_ZH", "TEXTS_ZH", "finding", "render_zh"]

NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}

TEXTS_ZH: dict[str, str] = {
    "unreadable": "第{page}页无法读取，需重扫：{error}（{source}）",
    "unreadable_decoder": "第{page}页无法读取，请安装后重新入库：{error}（{source}）",
    "unreadable_file": "{source}无法采用：{error}",
    "duplicate_same": "重复页：第{page}页与第{first}页是同一个文件（SHA-256相同）",
    "duplicate_similar": "疑似重扫：第{page}页与第{first}页几乎相同（感知哈希相差{distance}位），请核对",
    "blank": "第{page}页是空白页：空白页不计页数，请确认是否应删除",
    "dpi_unknown": "第{page}页分辨率未知：图像文件未记录分辨率，请核对扫描设置",
    "dpi_error": "第{page}页分辨率{dpi} dpi，低于最低要求{limit} dpi，需重扫",
    "dpi_warning": "第{page}页分辨率{dpi} dpi，低于{limit} dpi",
    "skew_error": "第{page}页倾斜{angle}°，超过{limit}°，应纠偏后重新提交",
    "skew_warning": "第{page}页倾斜{angle}°，超过{limit}°",
    "low_conf": "第{page}页文字识别置信度{conf}，低于{threshold}，请人工核对",
    "formats_file": "本卷存储格式不统一：{formats}（同一批次应使用同一种存储格式）",
    "formats_batch": "本批次存储格式不统一：{parts}（同一批次应使用同一种存储格式）",
    "seq_missing": "{cls} 序号不连续：缺少{missing}",
    "seq_repeat": "{cls} 序号重复：第{seq}号出现{count}次",
    "required": "缺少必备材料：未找到{item}",
    "count_more": "扫描页数与目录不符：扫描{scanned}页，目录页数合计{expected}页（多{diff}页）",
    "count_less": "扫描页数与目录不符：扫描{scanned}页，目录页数合计{expected}页（少{diff}页）",
    "count_blank": "，另有空白页{n}页未计",
    "count_unknown": "，另有{n}条材料未填页数",
    "count_shifted": "。按累计页数挂接时，出错处之后的材料都会错位，请先核对目录页数和扫描页",
    "count_material": "{material}：目录页数{expected}页，扫描{scanned}页",
    "not_scanned": "漏扫：{material}（目录{expected}页）没有扫描页",
    "extra_folder": "多扫：第{page}页所在文件夹（{folder}）在目录中没有对应材料",
    "extra_loose": "多扫：第{page}页不在任何材料文件夹中",
    "extra_beyond": "多扫：第{page}页超出目录页数合计，不属于任何材料",
    "title": "挂接存疑：第{page}页标题识别为“{heading}”，与所挂材料{material}不符，"
             "像是{looks_like}，请核对挂接和目录页数",
    "kept_pages": "本次扫描包中该卷没有一页可用，已入库的 {n} 页保持不变",
}

# The command line's words when the failing tool said what went wrong (``detail``, which names the file).
DETAILED_ZH: dict[str, str] = {
    "unreadable": "第{page}页无法读取，需重扫：{detail}",
    "unreadable_decoder": "第{page}页无法读取，请安装后重新入库：{detail}",
    "unreadable_file": "{detail}",
}

# The failure codes of ingest.errors, the pipeline and the package scan, by name.
ERROR_NAMES_ZH: dict[str, str] = {
    "ingest_error": "无法处理",
    "bad_package": "扫描包无法打开",
    "unsupported_format": "不是可接收的页面格式",
    "corrupt_image": "图像已损坏或不完整",
    "decompression_bomb": "图像声明的像素过多，拒绝解码",
    "encrypted_pdf": "PDF 有密码保护",
    "broken_pdf": "PDF 已损坏",
    "not_scanned_pdf_page": "PDF 页面含有文字或矢量图形，不是扫描页",
    "decoder_missing": "服务器缺少该格式的解码程序",
    "ocr_failed": "文字识别失败",
    "storage_unavailable": "对象存储不可用",
    "bad_layout": "文件位置不符合扫描包约定",
    "symlink_refused": "拒绝符号链接",
    "not_an_image": "不是图像文件",
    "empty_file": "空文件",
    "duplicate_file": "档号重复，此处的文件未采用",
}

# Checklist items (ingest.qc.catalogue_rules.REQUIRED_ITEMS) as the finding names them.
ITEMS_ZH: dict[str, str] = {
    "resume": "履历表或职工登记表（一般在第一类）",
    "recruitment": "招工审批表或录用材料（一般在九-2类）",
    "confirmation": "转正定级表（一般在九-1类）",
    "wage": "工资变动审批表或工资登记表（一般在九-1类）",
    "retirement": "退休审批表（一般在九-2类）",
    "labour_contract": "劳动合同（一般在第九类）；1995年后仍在职的职工应有；早于全员劳动合同制退休的可忽略",
    "education": "学历材料（一般在四-1类）",
    "party": "入党志愿书或党员登记表（一般在第六类）",
}


def finding(rule: str, severity: str, text: str, params: Mapping[str, Any], *,
            page: int | None = None, material: tuple[int, int, int] | None = None,
            details: Mapping[str, object] | None = None) -> Finding:
    """A finding whose message is the Chinese rendering of ``text`` with ``params`` (kept beside it).

    A ``detail`` parameter is the failing tool's own words (Chinese, naming the file): the message says it
    instead of the failure's name, for the command line; the web app shows it under the rendered text to
    Chinese readers only.
    """
    detailed = DETAILED_ZH.get(text) if params.get("detail") else None
    message = detailed.format(**params) if detailed else render_zh(text, params)
    return Finding(rule, severity, message, material=material, page=page,
                   details=dict(details or {}), text=text, params=dict(params))


def render_zh(text: str, params: Mapping[str, Any]) -> str:
    """The Chinese of a finding text (the plain code when it is unknown, never an exception)."""
    template = TEXTS_ZH.get(text)
    if template is None:
        return text
    shown = {name: _param(name, value) for name, value in params.items() if name != "then"}
    try:
        out = template.format(**shown)
    except (KeyError, IndexError, ValueError):
        return text
    return out + "".join(render_zh(t, p) for t, p in params.get("then", ()))


def _class(class_no: int, subclass: int) -> str:
    numeral = NUMERALS.get(class_no, str(class_no))
    return f"{numeral}-{subclass}" if subclass else numeral


def _ranges(numbers: Sequence[int]) -> str:
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return "第" + "、".join(str(a) if a == b else f"{a}–{b}" for a, b in runs) + "号"


def _param(name: str, value: Any) -> object:
    if value is None:
        return "?"
    if name in ("material", "looks_like"):
        class_no, subclass, seq, title = value
        label = f"{_class(class_no, subclass)} 第{seq}号"
        return f"{label}《{title}》" if title else label
    if name == "folder":
        return f"{_class(value[0], value[1])} 第{value[2]}号"
    if name == "cls":
        return _class(value[0], value[1])
    if name == "missing":
        return _ranges(value)
    if name == "formats":
        return "、".join(f"{fmt} {n}页" for fmt, n in value)
    if name == "parts":
        out = []
        for fmt, n, files, names in value:
            part = f"{fmt} {n}页（{files}卷"
            if names:
                part += "：" + "、".join(names) + (f"等{files}卷" if files > len(names) else "")
            out.append(part + "）")
        return "、".join(out)
    if name == "error":
        return ERROR_NAMES_ZH.get(value, value)
    if name == "item":
        return ITEMS_ZH.get(value, value)
    return value
