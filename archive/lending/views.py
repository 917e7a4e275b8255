"""The lending blueprint and what its pages share: the refusal page, labels, the request's audited loader.

The pages themselves are in :mod:`archive.lending.portal` (retirees, self-registration) and
:mod:`archive.lending.staff` (archivists, approvers, the admin's templates).  A refusal is rendered here
with its HTTP status and recorded as a denied event naming the request as its reason.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from archive.audit import record
from archive.extensions import db
from archive.idnumbers import mask_id_number
from archive.lending.forms import DELIVERY_LABELS, KIND_LABELS, PURPOSE_LABELS, STATUS_LABELS
from archive.lending.models import LendingRequest, Purpose, RequestStatus, RequestTransition
from archive.lending.operations import find_request
from archive.lending.rules import LendingError, message

bp = Blueprint("lending", __name__)

# What each step of the timeline says (reason codes of archive.lending.operations.transition).
STEP_LABELS = {
    "created": _l("Request received"),
    "prepared": _l("Materials prepared by the archive, sent for approval"),
    "approved": _l("Approved"),
    "rejected": _l("Not approved"),
    "built": _l("The copy is ready"),
    "validity_ended": _l("The download period ended"),
    "handed_over": _l("Collected at the counter"),
    "revoked": _l("Withdrawn"),
}


@bp.app_context_processor
def _labels() -> dict[str, object]:
    return {"REQUEST_KINDS": KIND_LABELS, "REQUEST_STATUSES": STATUS_LABELS, "PURPOSES": PURPOSE_LABELS,
            "DELIVERIES": DELIVERY_LABELS, "STEP_LABELS": STEP_LABELS, "mask_id": mask_id_number,
            "purpose_of": purpose_of, "step_label": step_label}


def purpose_of(req: LendingRequest) -> str:
    if req.purpose == Purpose.OTHER and req.purpose_text:
        return f"{PURPOSE_LABELS[Purpose.OTHER]}: {req.purpose_text}"
    return str(PURPOSE_LABELS[Purpose(req.purpose)])


def step_label(step: RequestTransition) -> str:
    label = STEP_LABELS.get(step.reason_code) or STATUS_LABELS.get(RequestStatus(step.to_status))
    return str(label or step.to_status)


def refusal(exc: LendingError, req: LendingRequest | None = None,
            action: str = "lending.refused") -> ResponseReturnValue:
    """The clear, translated refusal page; the attempt is on record, naming the request when it is the caller's."""
    if req is not None:
        record(action, outcome="denied", file=req.file, target_type="lending_request", target_id=req.number,
               reason=req.number, details={"refused": exc.code})
    else:
        record(action, outcome="denied", target_type="lending_request", details={"refused": exc.code})
    return render_template("error.html", code=exc.status, message=message(exc)), exc.status


@bp.errorhandler(LendingError)
def _refused(exc: LendingError) -> ResponseReturnValue:
    """A rule refused the step: nothing of it is kept, the refusal is (naming the request it concerned)."""
    db.session.rollback()
    return refusal(exc, getattr(exc, "request", None))


def refuse(code: str, status: int, req: LendingRequest | None = None) -> LendingError:
    exc = LendingError(code, status)
    exc.request = req  # type: ignore[attr-defined]
    return exc


def load_for_retiree(number: str) -> LendingRequest:
    """The retiree's own request: 404 for any other number, whether it exists or not (nothing leaks)."""
    req = find_request(number)
    if req is None or req.requester_id != current_user.id:
        record("lending.view", outcome="not_found", target_type="lending_request",
               details={"refused": "not_found"})
        abort(404)
    return req


# Imported for their routes, after ``bp`` exists.
from archive.lending import portal, staff  # noqa: E402, F401
