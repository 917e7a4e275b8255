"""Lending models: one table family for every kind of request about a file.

A :class:`LendingRequest` is a certified copy (复印件), a certificate (出具证明), an organisation's
consultation (查阅) or a physical loan (借出).  What every kind shares lives on the request row:
its number, file, requester, purpose, status, handler and approver, the decision and its
validity.  What only one kind needs hangs off it in a child table with the request's id as its
key, so a new kind adds a table, not nullable columns on every row:

- :class:`Consultation` (one row per consultation): the unit, its letter, the time window and the
  print/download rights; :class:`ConsultingPerson` (at least two per consultation, enforced by
  the operations, not the schema, so a draft can be saved with one);
- :class:`Loan` (one row per loan): due date, lent and returned times, who checked the return and
  the discrepancies found against the catalogue (JSON list of ``{"material_id", "pages_expected",
  "pages_found", "note"}``).

The chosen materials are :class:`RequestMaterial` rows (request ↔ material, in the order of the
cover sheet); every status change is a :class:`RequestTransition` row (who, when, from, to, a
reason code and its parameters, translated when shown: :mod:`archive.messages`).
:class:`CertificateTemplate` holds the admin-editable text of certificates, with ``{placeholder}``
fields filled from the file (:mod:`archive.lending.certificates`).  :class:`RetireeRegistration`
is a self-registered retiree account waiting to be bound to its person's file.

The request number (``XC-SQ-2026-000123``) is for people to quote on the phone; it is not a
secret.  The download link carries ``download_token`` instead, a random value that is only made
when a copy is approved and that is checked together with the requester's log-in.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.coltypes import JSON, enum_type
from archive.extensions import db
from archive.timeutil import utcnow

__all__ = [
    "CertificateTemplate", "Consultation", "ConsultingPerson", "Delivery", "LendingRequest", "Loan", "Purpose",
    "RegistrationStatus", "RequestKind", "RequestMaterial", "RequestStatus", "RequestTransition",
    "RetireeRegistration",
]


class RequestKind(enum.StrEnum):
    COPY = "copy"  # 复印件 (certified copy)
    CERTIFICATE = "certificate"  # 出具证明
    CONSULTATION = "consultation"  # 查阅 (an organisation, in the reading room)
    LOAN = "loan"  # 借出 (a volume leaves the storeroom)


class RequestStatus(enum.StrEnum):
    """submitted → in_review → approved | rejected → fulfilled → closed | expired | revoked."""

    SUBMITTED = "submitted"  # 已提交: waiting for an archivist
    IN_REVIEW = "in_review"  # 待审批: prepared, sent to an approver
    APPROVED = "approved"  # 已批准
    REJECTED = "rejected"  # 未批准 (final)
    FULFILLED = "fulfilled"  # 已办理: copy ready / consultation open / volume lent
    CLOSED = "closed"  # 已办结 (final): collected, consultation ended, volume returned
    EXPIRED = "expired"  # 已过期 (final): validity or window ran out
    REVOKED = "revoked"  # 已撤销 (final): withdrawn by the archivist or the requester


FINAL_STATUSES = frozenset({RequestStatus.REJECTED, RequestStatus.CLOSED, RequestStatus.EXPIRED,
                            RequestStatus.REVOKED})


class Purpose(enum.StrEnum):
    """Why the file is used: the retirees' list and the further purposes of 条例 art.31 (docs/domain.md)."""

    RETIREMENT = "retirement"  # 退休待遇
    SERVICE_YEARS = "service_years"  # 工龄认定
    SOCIAL_INSURANCE = "social_insurance"  # 社会保险
    NOTARISATION = "notarisation"  # 公证
    LITIGATION = "litigation"  # 诉讼取证
    FUNERAL = "funeral"  # 治丧
    WAGES = "wages"  # 工资待遇 (art.31)
    POLITICAL_REVIEW = "political_review"  # 政审
    APPOINTMENT = "appointment"  # 任免
    APPRAISAL = "appraisal"  # 考核
    TALENT = "talent"  # 人才
    DISCIPLINE = "discipline"  # 纪检/案件
    HISTORY = "history"  # 编史修志
    OTHER = "other"  # 其他 (with text)


# What a retiree may choose for a copy or certificate; an organisation's consultation chooses from all.
RETIREE_PURPOSES = (Purpose.RETIREMENT, Purpose.SERVICE_YEARS, Purpose.SOCIAL_INSURANCE, Purpose.NOTARISATION,
                    Purpose.LITIGATION, Purpose.FUNERAL, Purpose.OTHER)


class Delivery(enum.StrEnum):
    DOWNLOAD = "download"  # 网上下载
    COUNTER = "counter"  # 窗口领取


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"  # 待核验
    BOUND = "bound"  # 已绑定
    REFUSED = "refused"  # 未通过


class LendingRequest(db.Model):
    """One request about one file; see the module docstring for the kinds and their child rows."""

    __tablename__ = "lending_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[RequestKind] = mapped_column(enum_type(RequestKind, "request_kind"))
    status: Mapped[RequestStatus] = mapped_column(enum_type(RequestStatus, "request_status"),
                                                  default=RequestStatus.SUBMITTED, server_default="submitted",
                                                  index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="RESTRICT"), index=True)
    # The retiree (or consulting unit's contact) who asked; None when staff registered it for somebody
    # without an account (a letter, the counter).
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # On behalf of a relative (代办): who asks, their own ID number, and the uploaded 委托书 (object key).
    relative_name: Mapped[str] = mapped_column(String(50), default="", server_default="")
    relative_id_number: Mapped[str | None] = mapped_column(String(18))
    relative_relation: Mapped[str] = mapped_column(String(32), default="", server_default="")
    authorisation_key: Mapped[str | None] = mapped_column(String(300))
    authorisation_mime: Mapped[str] = mapped_column(String(32), default="", server_default="")
    authorisation_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    purpose: Mapped[Purpose] = mapped_column(enum_type(Purpose, "request_purpose", length=24))
    purpose_text: Mapped[str] = mapped_column(String(200), default="", server_default="")
    wanted: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Material classes asked for (``["9-2", "1"]``), as the catalogue writes them; free text in ``wanted``.
    wanted_classes: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    delivery: Mapped[Delivery] = mapped_column(enum_type(Delivery, "request_delivery"), default=Delivery.DOWNLOAD,
                                               server_default="download")
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    decided_at: Mapped[dt.datetime | None]
    valid_until: Mapped[dt.datetime | None]
    # Unguessable capability of the download link (with the requester's log-in); made on approval.
    download_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The built PDF (copy or certificate) in the object store.
    output_key: Mapped[str | None] = mapped_column(String(300))
    output_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    output_size: Mapped[int | None] = mapped_column(BigInteger)
    built_at: Mapped[dt.datetime | None]
    # Certificates: the template used and the text as filled in and confirmed by the handler.
    template_id: Mapped[int | None] = mapped_column(ForeignKey("lending_certificate_templates.id",
                                                               ondelete="SET NULL"))
    certificate_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    file = relationship("ArchiveFile")
    requester = relationship("User", foreign_keys=[requester_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    handler = relationship("User", foreign_keys=[handler_id])
    approver = relationship("User", foreign_keys=[approver_id])
    template: Mapped[CertificateTemplate | None] = relationship()
    materials: Mapped[list[RequestMaterial]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestMaterial.position")
    transitions: Mapped[list[RequestTransition]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestTransition.id")
    consultation: Mapped[Consultation | None] = relationship(back_populates="request", cascade="all, delete-orphan")
    loan: Mapped[Loan | None] = relationship(back_populates="request", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("handler_id IS NULL OR approver_id IS NULL OR handler_id <> approver_id",
                        name="two_person"),
    )

    @property
    def status_enum(self) -> RequestStatus:
        return RequestStatus(self.status)

    @property
    def is_final(self) -> bool:
        return self.status_enum in FINAL_STATUSES

    def __repr__(self) -> str:
        return f"<LendingRequest {self.number} {self.kind} {self.status}>"


class RequestMaterial(db.Model):
    """A catalogue material chosen to answer a request, at ``position`` (序号 on the cover sheet).

    The row keeps what the material was when it was chosen (序号, title, date, pages): the catalogue may be
    corrected or re-imported later, and the request must still say what was approved and copied.  The link
    to the material is then cleared, not the request's record.
    """

    __tablename__ = "lending_request_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("lending_requests.id", ondelete="CASCADE"), index=True)
    material_id: Mapped[int | None] = mapped_column(ForeignKey("materials.id", ondelete="SET NULL"), index=True)
    position: Mapped[int]
    label: Mapped[str] = mapped_column(String(32), default="", server_default="")  # 序号 as printed: 九-2-3
    title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    formed: Mapped[str | None] = mapped_column(String(10))
    pages: Mapped[int | None]

    request: Mapped[LendingRequest] = relationship(back_populates="materials")
    material = relationship("Material")

    __table_args__ = (UniqueConstraint("request_id", "material_id"), CheckConstraint("position >= 1", name="position"))

    def __repr__(self) -> str:
        return f"<RequestMaterial {self.request_id} {self.material_id} #{self.position}>"


class RequestTransition(db.Model):
    """One step of a request's life: the timeline the requester sees and the audit's companion."""

    __tablename__ = "lending_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("lending_requests.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64), default="", server_default="")  # a copy, like audit events
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str] = mapped_column(String(32), default="", server_default="")
    reason_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")

    request: Mapped[LendingRequest] = relationship(back_populates="transitions")

    def __repr__(self) -> str:
        return f"<RequestTransition {self.request_id} {self.from_status}→{self.to_status}>"


class CertificateTemplate(db.Model):
    """A certificate's text with ``{placeholder}`` fields (see :data:`archive.lending.certificates.PLACEHOLDERS`)."""

    __tablename__ = "lending_certificate_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    updated_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<CertificateTemplate {self.code}>"


class Consultation(db.Model):
    """What an organisation's consultation (查阅) adds to its request.  Built by the consultations work."""

    __tablename__ = "lending_consultations"

    request_id: Mapped[int] = mapped_column(ForeignKey("lending_requests.id", ondelete="CASCADE"), primary_key=True)
    unit: Mapped[str] = mapped_column(String(200))
    letter_key: Mapped[str | None] = mapped_column(String(300))  # the unit's letter (介绍信), uploaded
    letter_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    unit_handler_name: Mapped[str] = mapped_column(String(50), default="", server_default="")
    unit_handler_id_number: Mapped[str | None] = mapped_column(String(18))
    whole_file: Mapped[bool] = mapped_column(default=False, server_default="0")  # else the request's materials
    window_start: Mapped[dt.datetime | None]
    window_end: Mapped[dt.datetime | None]
    print_allowed: Mapped[bool] = mapped_column(default=False, server_default="0")
    download_allowed: Mapped[bool] = mapped_column(default=False, server_default="0")

    request: Mapped[LendingRequest] = relationship(back_populates="consultation")
    persons: Mapped[list[ConsultingPerson]] = relationship(back_populates="consultation",
                                                           cascade="all, delete-orphan",
                                                           order_by="ConsultingPerson.id")

    __table_args__ = (CheckConstraint("window_end IS NULL OR window_start IS NULL OR window_end > window_start",
                                      name="window"),)

    def __repr__(self) -> str:
        return f"<Consultation {self.request_id} {self.unit}>"


class ConsultingPerson(db.Model):
    """A named person of the consulting unit; ``user_id`` is the account they log in with, if any."""

    __tablename__ = "lending_consulting_persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("lending_consultations.request_id", ondelete="CASCADE"),
                                            index=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    consultation: Mapped[Consultation] = relationship(back_populates="persons")

    __table_args__ = (UniqueConstraint("request_id", "id_number"),)

    def __repr__(self) -> str:
        return f"<ConsultingPerson {self.request_id} {self.name}>"


class Loan(db.Model):
    """What a physical loan (借出) adds to its request.  Built by the loans work."""

    __tablename__ = "lending_loans"

    request_id: Mapped[int] = mapped_column(ForeignKey("lending_requests.id", ondelete="CASCADE"), primary_key=True)
    borrower_unit: Mapped[str] = mapped_column(String(200), default="", server_default="")
    due_on: Mapped[dt.date | None]
    lent_at: Mapped[dt.datetime | None]
    returned_at: Mapped[dt.datetime | None]
    returned_by_name: Mapped[str] = mapped_column(String(50), default="", server_default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    discrepancies: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")

    request: Mapped[LendingRequest] = relationship(back_populates="loan")

    def __repr__(self) -> str:
        return f"<Loan {self.request_id} due {self.due_on}>"


class RetireeRegistration(db.Model):
    """A retiree's self-registration: their account waits, unbound, until an archivist checks who they are."""

    __tablename__ = "lending_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    mobile: Mapped[str] = mapped_column(String(20))
    status: Mapped[RegistrationStatus] = mapped_column(enum_type(RegistrationStatus, "registration_status"),
                                                       default=RegistrationStatus.PENDING,
                                                       server_default="pending", index=True)
    counter: Mapped[bool] = mapped_column(default=False, server_default="0")  # created by an archivist
    decided_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    decided_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user = relationship("User")

    def __repr__(self) -> str:
        return f"<RetireeRegistration {self.id} {self.status}>"
