"""Readable labels for the audit log's stored codes, translated when shown; the codes stay as stored.

Events keep their machine codes (``page.thumb``, ``ok``, endpoint names) so that the
log reads the same in any language and in ten years; the auditor's pages turn them
into words of the reader's language here.  An unknown code is shown as stored.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _gettext
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext as _ngettext

__all__ = ["ACTION_LABELS", "ENDPOINT_LABELS", "OUTCOME_LABELS", "action_label", "endpoint_label", "gettext",
           "ngettext", "outcome_label"]

OUTCOME_LABELS = {
    "ok": _l("Succeeded"),
    "denied": _l("Denied"),
    "failed": _l("Failed"),
    "error": _l("Error"),
    "not_found": _l("Not found"),
}

ACTION_LABELS = {
    "auth.login": _l("Logged in"),
    "auth.logout": _l("Logged out"),
    "auth.password": _l("Changed password"),
    "access.denied": _l("Access refused"),
    "http.get": _l("Opened a page"),
    "http.post": _l("Submitted a form"),
    "http.error": _l("Request failed"),
    "file.search": _l("Searched the catalogue"),
    "file.view": _l("Viewed a file"),
    "file.update": _l("Edited a file"),
    "material.view": _l("Viewed a material"),
    "material.create": _l("Added a material"),
    "material.update": _l("Edited a material"),
    "material.delete": _l("Deleted a material"),
    "material.move": _l("Moved a material"),
    "catalogue.import": _l("Imported a catalogue"),
    "catalogue.export": _l("Exported a catalogue"),
    "catalogue.template": _l("Downloaded the import template"),
    "search.query": _l("Full-text search"),
    "page.view": _l("Viewed a page"),
    "page.thumbnails": _l("Viewed the page overview"),
    "page.thumb": _l("Viewed a thumbnail"),
    "page.image": _l("Viewed a page image"),
    "page.download": _l("Downloaded an original"),
    "page.correct_text": _l("Corrected a page's text"),
    "ingest.list": _l("Listed scan batches"),
    "ingest.upload": _l("Uploaded a scan batch"),
    "ingest.view": _l("Viewed a scan batch"),
    "ingest.status": _l("Checked a batch's progress"),
    "ingest.start": _l("Batch started"),
    "ingest.finish": _l("Batch finished"),
    "ingest.file": _l("Recorded a file's scans"),
    "ingest.rejected_inputs": _l("Refused files of a batch"),
    "ingest.resume": _l("Resumed a batch"),
    "ingest.uploads_deleted": _l("Deleted a batch's uploads"),
    "qc.view": _l("Viewed a QC report"),
    "qc.decision": _l("Decided a QC finding"),
    "qc.export": _l("Exported a QC report"),
    "qc.spot_check_draw": _l("Drew a spot check"),
    "qc.spot_check": _l("Recorded a spot check"),
    "index.rebuild": _l("Rebuilt the search index"),
    "index.check": _l("Checked the search index"),
    "storage.verify": _l("Verified stored objects"),
    "demo.load": _l("Loaded demo data"),
    "user.list": _l("Listed accounts"),
    "user.create": _l("Created an account"),
    "user.update": _l("Edited an account"),
    "user.password_reset": _l("Reset a password"),
    "user.enable": _l("Enabled an account"),
    "user.disable": _l("Disabled an account"),
    "user.locale": _l("Changed the language"),
    "user.request": _l("Asked for an account change"),
    "user.requests": _l("Listed pending account changes"),
    "user.request_confirm": _l("Confirmed an account change"),
    "user.request_reject": _l("Rejected an account change"),
    "audit.search": _l("Searched the audit log"),
    "audit.view": _l("Viewed the audit log"),
    "audit.export": _l("Exported the audit log"),
    "audit.verify": _l("Verified the audit chain"),
    "audit.anchor": _l("Anchored the audit chain"),
    "audit.flag_ack": _l("Acknowledged an anomaly"),
    "backup.create": _l("Made a backup"),
    "backup.restore": _l("Restored a backup"),
    "file.export": _l("Exported a file as a package"),
    # transfers (archive.transfers)
    "file.create": _l("Created a file"),
    "transfers.extra": _l("Recorded a file not on the list"),
    "transfers.import": _l("Imported a transfer list"),
    "transfers.receive": _l("Received a file of a batch"),
    "transfers.relation": _l("Recorded a relation"),
    "transfers.route": _l("Routed a retiree"),
    "transfers.statement": _l("Recorded the enterprise's statement"),
    # lending (archive.lending): a request's steps (lending.<status>) and what was seen under it
    "lending.submitted": _l("Lending request submitted"),
    "lending.in_review": _l("Lending request sent for approval"),
    "lending.approved": _l("Lending request approved"),
    "lending.rejected": _l("Lending request rejected"),
    "lending.fulfilled": _l("Lending request fulfilled"),
    "lending.closed": _l("Lending request closed"),
    "lending.expired": _l("Lending request expired"),
    "lending.revoked": _l("Lending request revoked"),
    "lending.create": _l("Asked for a copy or certificate"),
    "lending.prepare": _l("Prepared a lending request"),
    "lending.decide": _l("Decided a lending request"),
    "lending.build": _l("Built a certified copy"),
    "lending.download": _l("Downloaded a certified copy"),
    "lending.document": _l("Opened a certified copy"),
    "lending.authorisation": _l("Viewed an authorisation"),
    "lending.view": _l("Viewed a lending request"),
    "lending.list": _l("Listed lending requests"),
    "lending.form": _l("Opened the request form"),
    "lending.refused": _l("Lending step refused"),
    "lending.register": _l("Registered a retiree account"),
    "lending.bind": _l("Linked a retiree account to a file"),
    "lending.refuse_registration": _l("Refused a retiree registration"),
    "lending.registrations": _l("Listed retiree registrations"),
    "lending.counter": _l("Opened the counter account form"),
    "lending.templates": _l("Listed certificate templates"),
    "lending.template_view": _l("Viewed a certificate template"),
    "lending.template": _l("Edited a certificate template"),
    "report.view": _l("Viewed a report"),
    "report.export": _l("Exported a report"),
    "report.planning": _l("Ran the planning report"),
    # consultations, the reading room and loans (archive.lending.consultations, reading_room, loans)
    "lending.consultation": _l("Registered a consultation"),
    "lending.consultation_form": _l("Opened the consultation form"),
    "lending.accounts": _l("Made accounts for consulting persons"),
    "lending.accounts_disabled": _l("Disabled the consulting persons' accounts"),
    "lending.letter": _l("Viewed a unit's letter"),
    "lending.reading": _l("Opened a consultation in the reading room"),
    "lending.loan": _l("Registered a loan"),
    "lending.loan_form": _l("Opened the loan form"),
    "lending.loan_discrepancy": _l("Recorded discrepancies at a loan's return"),
    "lending.return": _l("Recorded a loan's return"),
    "lending.return_form": _l("Opened a loan's return check"),
    "lending.loans": _l("Listed files on loan"),
}

# The pages behind ``http.get`` / ``http.post`` events (the endpoint is the event's target).
ENDPOINT_LABELS = {
    "web.home": _l("Home page"),
    "web.health": _l("Health check"),
    "web.set_language": _l("Language switch"),
    "accounts.login": _l("Log-in page"),
    "accounts.logout": _l("Log-out"),
    "accounts.password": _l("Password page"),
    "accounts.awaiting": _l("Awaiting activation page"),
    "accounts.pending": _l("Pending account changes"),
    "accounts.decide": _l("Decision on an account change"),
    "accounts.users": _l("Account list"),
    "accounts.user_new": _l("New account form"),
    "accounts.user_edit": _l("Account form"),
    "accounts.user_active": _l("Account enable/disable"),
    "accounts.user_reset": _l("Password reset"),
    "audit.events": _l("Audit events"),
    "audit.event_detail": _l("Audit event"),
    "audit.export": _l("Audit export"),
    "audit.file_timeline": _l("File access history"),
    "audit.user_activity": _l("User activity"),
    "audit.chain": _l("Chain status"),
    "audit.flags": _l("Anomalies"),
    "audit.flag_ack": _l("Anomaly acknowledgement"),
    "catalogue.files": _l("File search"),
    "catalogue.file_detail": _l("File page"),
    "catalogue.file_edit": _l("File form"),
    "catalogue.file_export": _l("Catalogue export"),
    "catalogue.import_catalogue": _l("Catalogue import"),
    "catalogue.import_template": _l("Import template"),
    "catalogue.material_new": _l("New material form"),
    "catalogue.material_edit": _l("Material form"),
    "catalogue.material_delete": _l("Material deletion"),
    "catalogue.material_move": _l("Material move"),
    "catalogue.my_file": _l("My file"),
    "fulltext.search": _l("Full-text search"),
    "reports.progress": _l("Progress dashboard"),
    "reports.progress_export": _l("Progress export"),
    "reports.planning": _l("Planning report"),
    "reports.planning_xlsx": _l("Planning report export"),
    "reports.planning_pdf_export": _l("Planning report PDF"),
    "scanning.upload": _l("Scan upload"),
    "scanning.jobs": _l("Scan batches"),
    "scanning.job": _l("Scan batch"),
    "scanning.job_status": _l("Batch progress"),
    "scanning.job_report": _l("Batch report"),
    "scanning.job_resume": _l("Batch resume"),
    "scanning.job_abandon": _l("Batch abandonment"),
    "scanning.file_qc": _l("QC report"),
    "scanning.file_qc_export": _l("QC report export"),
    "scanning.finding_update": _l("QC finding decision"),
    "scanning.findings_accept": _l("QC findings accepted"),
    "scanning.spot_check_draw": _l("Spot check draw"),
    "scanning.spot_check_record": _l("Spot check result"),
    "pages.thumbnails": _l("Page overview"),
    "pages.viewer": _l("Page viewer"),
    "pages.page_image": _l("Page image"),
    "pages.page_thumb": _l("Thumbnail"),
    "pages.page_original": _l("Original"),
    "pages.correct": _l("Text correction"),
    "transfers.batch": _l("Transfer batch"),
    "transfers.batch_close": _l("Batch closing"),
    "transfers.batch_extra": _l("File not on the list"),
    "transfers.batch_import": _l("Transfer list import"),
    "transfers.batch_new": _l("New transfer batch"),
    "transfers.batch_receipt": _l("Receipt (签收单)"),
    "transfers.batch_statement": _l("Enterprise statement"),
    "transfers.entry": _l("Transfer list entry"),
    "transfers.entry_receive": _l("Receiving a file"),
    "transfers.file_transfer": _l("Transfer of a file"),
    "transfers.incoming_new": _l("New incoming transfer"),
    "transfers.incoming_receive": _l("Receiving an incoming transfer"),
    "transfers.index": _l("Transfers"),
    "transfers.outgoing": _l("Outgoing transfers"),
    "transfers.relation_record": _l("Relation record"),
    "transfers.route_tool": _l("Routing tool"),
    "transfers.storerooms": _l("Storerooms"),
    "transfers.transfer": _l("Transfer"),
    "transfers.transfer_notice": _l("Transfer notice (转递通知单)"),
    "transfers.transfer_receipt": _l("Return receipt"),
    "transfers.transfer_send": _l("Sending a transfer"),
    "lending.register_page": _l("Retiree registration"),
    "lending.my_requests": _l("My requests"),
    "lending.new_request": _l("Request form"),
    "lending.my_request": _l("My request"),
    "lending.my_request_withdraw": _l("Request withdrawal"),
    "lending.my_copy": _l("Certified copy download"),
    "lending.queue": _l("Lending requests"),
    "lending.approvals": _l("Approvals"),
    "lending.detail": _l("Lending request"),
    "lending.prepare_request": _l("Request preparation"),
    "lending.decision": _l("Request decision"),
    "lending.close_request": _l("Request closing"),
    "lending.revoke_request": _l("Request revocation"),
    "lending.page_thumb": _l("Thumbnail under a request"),
    "lending.authorisation": _l("Authorisation"),
    "lending.document": _l("Certified copy"),
    "lending.registrations_page": _l("Retiree accounts"),
    "lending.bind_registration": _l("Retiree account link"),
    "lending.refuse_registration": _l("Retiree registration refusal"),
    "lending.counter": _l("Counter account form"),
    "lending.templates": _l("Certificate templates"),
    "lending.template_edit": _l("Certificate template"),
    "lending.consultation_new": _l("Consultation registration"),
    "lending.consultation_open": _l("Consultation opening"),
    "lending.consultation_end": _l("Consultation ending"),
    "lending.consultation_letter": _l("Unit's letter"),
    "lending.loan_new": _l("Loan registration"),
    "lending.loan_lend": _l("Loan hand-over"),
    "lending.loan_return": _l("Loan return"),
    "lending.loans": _l("Files on loan"),
    "lending.loans_overdue": _l("Overdue loans"),
    "lending.reading_index": _l("Reading room"),
    "lending.reading_detail": _l("Consultation in the reading room"),
    "lending.reading_page": _l("Page in the reading room"),
    "lending.reading_image": _l("Page image in the reading room"),
    "lending.reading_download": _l("Page download in the reading room"),
}
# Events recorded before the scanning/pages cut (issue 9) name the old "intake" blueprint; they read the same.
ENDPOINT_LABELS.update({f"intake.{name.split('.', 1)[1]}": label for name, label in list(ENDPOINT_LABELS.items())
                        if name.split(".", 1)[0] in ("scanning", "pages")})

# The JSON API and its access tokens (archive/api, archive/accounts/tokens.py).
ACTION_LABELS.update({
    "token.create": _l("Made an API access token"),
    "token.revoke": _l("Revoked an API access token"),
    "api.refused": _l("API call refused"),
})
ENDPOINT_LABELS.update({
    "accounts.token_revoke": _l("API token revocation"),
    "api.openapi_json": _l("API description (OpenAPI)"),
    "api.file_get": _l("API: file"),
    "api.search": _l("API: search"),
    "api.request_create": _l("API: new request"),
    "api.request_list": _l("API: request list"),
    "api.request_get": _l("API: request"),
    "api.request_prepare": _l("API: request preparation"),
    "api.request_decision": _l("API: request decision"),
    "api.request_copy": _l("API: copy download"),
})


def _label(labels: dict[str, object], code: str) -> str:
    label = labels.get(code)
    return str(label) if label is not None else code


def outcome_label(code: str) -> str:
    """The outcome in the reader's language; an unknown code as stored."""
    return _label(OUTCOME_LABELS, code)


def action_label(code: str) -> str:
    """The action in the reader's language; an unknown code as stored."""
    return _label(ACTION_LABELS, code)


def endpoint_label(endpoint: str) -> str:
    """The page an endpoint serves, in the reader's language; an unknown endpoint as stored."""
    return _label(ENDPOINT_LABELS, endpoint)


def gettext(message: str, **params: Any) -> str:
    """flask_babel's gettext, typed: the text in the reader's language."""
    return str(_gettext(message, **params))


def ngettext(singular: str, plural: str, num: int, **params: Any) -> str:
    """flask_babel's ngettext, typed."""
    return str(_ngettext(singular, plural, num, **params))
