"""The papers of a transfer: a batch's 签收单 and the three-part 转递通知单 (存根, 通知单, 回执), as PDF.

They are official Chinese forms, so they are written in Chinese whatever the UI language; the CJK font
(``DANGAN_PDF_FONT``, Noto Sans CJK by default) is embedded as a subset, so the papers print the same
everywhere (``pdffonts`` shows it ``emb yes``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from archive.catalogue.models import EmployerLevel
from archive.geo import BEIJING_DISTRICTS
from archive.messages import Message, render
from archive.transfers.errors import setting
from archive.transfers.models import EntryStatus, RosterEntry, Transfer, TransferBatch

__all__ = ["notice_pdf", "receipt_pdf"]

_LEVELS = {EmployerLevel.CENTRAL: "央属", EmployerLevel.MUNICIPAL: "市属", EmployerLevel.DISTRICT: "区属"}
_FONT = "cjk"


def _document(title: str) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("Dangan")
    pdf.add_font(_FONT, "", str(setting("DANGAN_PDF_FONT")),
                 collection_font_number=int(setting("DANGAN_PDF_FONT_INDEX")))  # type: ignore[call-overload]
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    return pdf


def _line(pdf: FPDF, text: str, size: float = 10.5, *, align: str = "L", height: float = 6.5) -> None:
    pdf.set_font(_FONT, size=size)
    pdf.multi_cell(0, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table(pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]) -> None:
    pdf.set_font(_FONT, size=9)
    with pdf.table(col_widths=tuple(widths), text_align="CENTER", line_height=6, first_row_as_headings=True,
                   headings_style=FontFace(emphasis=None, fill_color=(235, 235, 235))) as table:
        for row in [header, *rows]:
            cells = table.row()
            for value in row:
                cells.cell(str(value))


def _date(value: dt.date | dt.datetime | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "    年  月  日"


def _said(data: dict[str, object]) -> str:
    return render(Message.from_json(data), "zh_Hans_CN") if data else ""


def _signatures(pdf: FPDF, left: str, right: str) -> None:
    pdf.ln(4)
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    top = pdf.get_y()
    if top > pdf.h - 60:
        pdf.add_page()
        top = pdf.get_y()
    pdf.set_font(_FONT, size=10)
    for n, who in enumerate((left, right)):
        x = pdf.l_margin + n * width
        pdf.rect(x, top, width - 4, 38)
        pdf.set_xy(x + 3, top + 3)
        pdf.cell(width - 10, 6, f"{who}（盖章）")
        pdf.set_xy(x + 3, top + 17)
        pdf.cell(width - 10, 6, "经办人签字：")
        pdf.set_xy(x + 3, top + 29)
        pdf.cell(width - 10, 6, "日期：      年    月    日")
    pdf.set_y(top + 42)


def _counts(entry: RosterEntry) -> tuple[str, str, str]:
    vo = entry.received_volumes_original if entry.received_volumes_original is not None else entry.volumes_original
    vc = entry.received_volumes_copy if entry.received_volumes_copy is not None else entry.volumes_copy
    m = entry.received_materials if entry.received_materials is not None else entry.materials
    return str(vo), str(vc), str(m)


def _remark(entry: RosterEntry) -> str:
    names = {"volumes_original": "正本", "volumes_copy": "副本", "materials": "材料"}
    parts = [f"{names[k]}名册{a}实收{b}" for k, (a, b) in entry.differences.items()]
    if entry.damaged:
        parts.append("破损")
    if entry.note:
        parts.append(entry.note)
    return "；".join(parts)


def receipt_pdf(batch: TransferBatch, *, receiver: str = "北京市西城区人力资源和社会保障局") -> bytes:
    """The batch's 签收单: what was received, what was not, signature boxes for both sides."""
    pdf = _document(f"人事档案移交签收单 {batch.enterprise}")
    _line(pdf, "人事档案移交签收单", 16, align="C", height=10)
    _line(pdf, f"批次号：{batch.id}    移交单位：{batch.enterprise}（{_LEVELS[batch.level]}）"
               + (f"    所属集团：{batch.group_name}" if batch.group_name else ""))
    _line(pdf, f"联系人：{batch.contact or '—'}  电话：{batch.phone or '—'}    核准文号：{batch.approval_ref or '—'}"
               f"  核准日期：{_date(batch.approval_date) if batch.approval_date else '—'}")
    _line(pdf, f"接收单位：{receiver}    签收日期：{_date(batch.closed_at)}")
    received = [e for e in batch.entries if e.status is EntryStatus.RECEIVED and not e.extra]
    elsewhere = [e for e in batch.entries if e.status is EntryStatus.ELSEWHERE and e.checked_at is not None]
    missing = [e for e in batch.entries if e.status is EntryStatus.MISSING]
    extra = [e for e in batch.entries if e.extra]
    header = ("序号", "姓名", "身份证号", "档号", "正本", "副本", "材料", "备注")
    widths = (10, 18, 38, 30, 11, 11, 11, 61)
    _line(pdf, f"一、已接收（{len(received) + len(elsewhere)}人）", 11)
    rows = [(str(n), e.name, e.id_number, e.file.archive_no if e.file else "", *_counts(e), _remark(e))
            for n, e in enumerate(received, 1)]
    rows += [(str(len(rows) + n), e.name, e.id_number, f"转{e.archive_to}区", *_counts(e), _remark(e))
             for n, e in enumerate(elsewhere, 1)]
    _table(pdf, header, rows or [("—",) * len(header)], widths)
    _line(pdf, f"二、未接收（名册有、档案未到，{len(missing)}人）", 11)
    rows = [(str(n), e.name, e.id_number, "", str(e.volumes_original), str(e.volumes_copy), str(e.materials),
             e.note) for n, e in enumerate(missing, 1)]
    _table(pdf, header, rows or [("—",) * len(header)], widths)
    _line(pdf, f"三、名册外多出（{len(extra)}人）", 11)
    rows = [(str(n), e.name, e.id_number, "", *_counts(e), e.note) for n, e in enumerate(extra, 1)]
    _table(pdf, header, rows or [("—",) * len(header)], widths)
    if batch.statement_text:
        _line(pdf, "四、移交单位关于缺失材料的书面说明", 11)
        _line(pdf, batch.statement_text, 9.5)
    _signatures(pdf, f"移交单位：{batch.enterprise}", f"接收单位：{receiver}")
    return bytes(pdf.output())


def notice_pdf(transfer: Transfer, *, sender: str = "北京市西城区人力资源和社会保障局") -> bytes:
    """The 转递通知单 in three parts on one sheet, cut along the dashed lines: 存根, 通知单, 回执."""
    pdf = _document(f"干部（职工）档案转递通知单 {transfer.notice_no}")
    pdf.set_auto_page_break(False)
    to = (f"北京市{transfer.counterpart}区人力资源和社会保障局" if transfer.counterpart in BEIJING_DISTRICTS
          else transfer.counterpart)
    header = ("姓名", "单位及职务", "转递原因", "正本（卷）", "副本（卷）", "材料（份）")
    row = (transfer.name, " ".join(x for x in (transfer.unit, transfer.post) if x) or "—",
           _said(transfer.reason) or "—", str(transfer.volumes_original), str(transfer.volumes_copy),
           str(transfer.materials))
    widths = (20, 40, 62, 19, 19, 19)
    how = transfer.courier and f"机要交通（{transfer.courier}）" or (
        "专人送达：" + "、".join(transfer.carriers) if transfer.carriers else "")
    parts = (("存根", f"{to}："), ("通知单", f"{to}："), ("回执", f"{sender}："))
    for index, (part, addressee) in enumerate(parts):
        top = 10 + index * 92
        pdf.set_y(top)
        _line(pdf, f"干部（职工）档案转递通知单（{part}）", 13, align="C", height=8)
        _line(pdf, transfer.notice_no, 10, align="R", height=5)
        _line(pdf, addressee)
        if part == "回执":
            _line(pdf, f"你单位{_date(transfer.sent_on)}以{transfer.notice_no}转来的下列人员档案已收到，经核对无误。")
        else:
            _line(pdf, f"现将下列人员档案转去，请查收，并将回执及时退回。{how}")
        _table(pdf, header, [row], widths)
        if part == "回执":
            _line(pdf, "收件单位（盖章）        经办人签字：            日期：      年    月    日")
        else:
            _line(pdf, f"{sender}（盖章）    经办人：{transfer.created_by}    {_date(transfer.sent_on)}")
        if index < 2:
            y = top + 89
            pdf.set_dash_pattern(dash=2, gap=2)
            pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
            pdf.set_dash_pattern()
    return bytes(pdf.output())
