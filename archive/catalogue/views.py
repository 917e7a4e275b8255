"""Catalogue pages: browse and filter files, open a file, edit its materials, import, export."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.utils import secure_filename

from archive.access import requires
from archive.audit import record
from archive.catalogue.classes import class_name, display_class, format_class
from archive.catalogue.dates import PartialDate
from archive.catalogue.export import catalogue_workbook, template_workbook
from archive.catalogue.forms import (
    CUSTODY_LABELS,
    LEVEL_LABELS,
    STATUS_LABELS,
    FileForm,
    ImportForm,
    MaterialForm,
)
from archive.catalogue.models import ArchiveFile, FileStatus, Material, Person
from archive.catalogue.operations import (
    FILE_FIELDS,
    CatalogueError,
    add_material,
    delete_material,
    move_material,
    update_file,
    update_material,
)
from archive.catalogue.operations import import_catalogue as run_import
from archive.catalogue.routing import transfer_target
from archive.catalogue.scope import get_file_or_404, may_see_full_id, scoped_files
from archive.extensions import db
from archive.formutil import ConfirmForm
from archive.geo import STREETS
from archive.i18n import select_locale
from archive.idnumbers import mask_id_number
from archive.pagination import paginate
from archive.roles import Role

bp = Blueprint("catalogue", __name__)

STAFF = (Role.ARCHIVIST, Role.APPROVER)


@bp.app_template_filter("partial_date")
def _partial_date(value: str | None) -> str:
    if not value:
        return ""
    date = PartialDate.from_iso(value)

    return date.display_zh() if select_locale() == "zh_CN" else date.display_en()


@bp.app_context_processor
def _labels() -> dict[str, object]:
    return {
        "STATUS_LABELS": STATUS_LABELS,
        "CUSTODY_LABELS": CUSTODY_LABELS,
        "LEVEL_LABELS": LEVEL_LABELS,
        "format_class": display_class,  # shown: the reader's spelling (四-1 / 4-1)
        "mask_id": mask_id_number,
    }


@bp.route("/files")
@requires(*STAFF)
def files() -> ResponseReturnValue:
    args = {k: (request.args.get(k) or "").strip()[:64] for k in ("name", "id_number", "archive_no", "employer")}
    street = request.args.get("street") or ""
    status = request.args.get("status") or ""
    stmt = select(ArchiveFile).outerjoin(Person, ArchiveFile.person_id == Person.id)
    stmt = scoped_files(stmt)
    if args["name"]:
        stmt = stmt.where(Person.name.contains(args["name"], autoescape=True))
    if args["id_number"]:
        number = args["id_number"].upper()
        # A full number matches exactly; a fragment (e.g. the last four) matches the end.
        stmt = stmt.where(Person.id_number == number if len(number) == 18 else
                          Person.id_number.endswith(number, autoescape=True))
    if args["archive_no"]:
        stmt = stmt.where(ArchiveFile.archive_no.contains(args["archive_no"].upper(), autoescape=True))
    if args["employer"]:
        stmt = stmt.where(Person.employer.contains(args["employer"], autoescape=True))
    if street in STREETS:
        stmt = stmt.where(ArchiveFile.street == street)
    if status in {s.value for s in FileStatus}:
        stmt = stmt.where(ArchiveFile.status == status)
    stmt = stmt.order_by(ArchiveFile.archive_no)
    page = paginate(stmt, per_page=current_app.config["DANGAN_PAGE_SIZE"])
    filters = {k: v for k, v in {**args, "street": street, "status": status}.items() if v}
    record("file.search", details={"filters": filters, "results": page.total, "page": page.page,
                                   "shown": [f.archive_no for f in page.items]})
    streets = STREETS if current_user.street is None else (current_user.street,)
    return render_template(
        "catalogue/files.html", page=page, args=args, street=street, status=status, streets=streets
    )


def _grouped(file: ArchiveFile) -> list[dict[str, object]]:
    """Materials grouped by class 一…十, sub-classes inside, for the file page."""
    english = select_locale() != "zh_CN"
    groups = []
    for class_no in range(1, 11):
        rows = [m for m in file.materials if m.class_no == class_no]
        subgroups = []
        for sub in sorted({m.subclass for m in rows}):
            subgroups.append(
                {
                    "subclass": sub,
                    "label": display_class(class_no, sub),
                    "name": class_name(class_no, sub, english=english),
                    "rows": [m for m in rows if m.subclass == sub],
                }
            )
        groups.append(
            {
                "class_no": class_no,
                "label": display_class(class_no, 0),
                "name": class_name(class_no, english=english),
                "subgroups": subgroups,
                "count": len(rows),
                "pages": sum(m.pages or 0 for m in rows),
            }
        )
    return groups


@bp.route("/files/<int:file_id>")
@requires(*STAFF)
def file_detail(file_id: int) -> ResponseReturnValue:
    file = get_file_or_404(file_id)
    person = file.person
    target = (
        transfer_target(person.employer_level, person.hukou_district, person.residence_district) if person else None
    )
    record("file.view", file=file, details={"full_id_shown": may_see_full_id()})
    return render_template(
        "catalogue/file.html",
        file=file,
        scanned=_scanned_materials(file.id),
        person=person,
        groups=_grouped(file),
        full_id=may_see_full_id(),
        transfer_to=target,
        confirm=ConfirmForm(),
        can_edit=current_user.role_enum is Role.ARCHIVIST,
    )


def _scanned_materials(file_id: int) -> dict[int, int]:
    """Material id → number of its scanned pages (any version), for the rows' links to their pages.

    The pages table belongs to the scanning domain; it is read here by name (not through its model) so that
    the catalogue does not import that domain, which already depends on the catalogue.
    """
    pages = db.metadata.tables["pages"]
    rows = db.session.execute(
        select(pages.c.material_id, func.count(func.distinct(pages.c.position)))
        .where(pages.c.file_id == file_id, pages.c.material_id.is_not(None))
        .group_by(pages.c.material_id)
    )
    return {material_id: count for material_id, count in rows}


@bp.route("/files/<int:file_id>/edit", methods=["GET", "POST"])
@requires(Role.ARCHIVIST)
def file_edit(file_id: int) -> ResponseReturnValue:
    file = get_file_or_404(file_id)
    allowed = None if current_user.street is None else [current_user.street]
    form = FileForm(obj=file, allowed_streets=allowed)
    if request.method == "GET":
        form.street.data = file.street or ""
    if form.validate_on_submit():
        values = {k: v for k, v in form.data.items() if k in FILE_FIELDS}
        values.update(street=form.street.data or None, volumes_copy=form.volumes_copy.data or 0)
        update_file(file, **values)
        flash(_("File %(no)s saved.", no=file.archive_no), "success")
        return redirect(url_for("catalogue.file_detail", file_id=file.id))
    record("file.view", file=file, details={"form": "edit"})
    return render_template("catalogue/file_form.html", form=form, file=file)


def _material_values(form: MaterialForm) -> dict[str, object]:
    class_no, subclass = form.class_tuple
    return {
        "class_no": class_no,
        "subclass": subclass,
        "seq": form.seq.data,
        "title": form.title.data.strip(),
        "formed": form.formed.partial.iso if form.formed.partial else None,
        "pages": form.pages.data,
        "remarks": (form.remarks.data or "").strip(),
        "original_label": (form.original_label.data or "").strip() or format_class(class_no, subclass),
    }


def _seq_error(form: MaterialForm, exc: CatalogueError) -> None:
    db.session.rollback()
    form.seq.errors = [*form.seq.errors, _("This number is already used in this class.")]


@bp.route("/files/<int:file_id>/materials/new", methods=["GET", "POST"])
@requires(Role.ARCHIVIST)
def material_new(file_id: int) -> ResponseReturnValue:
    file = get_file_or_404(file_id)
    form = MaterialForm()
    if request.method == "GET" and request.args.get("class"):
        form.class_code.data = request.args["class"]
    if form.validate_on_submit():
        try:
            add_material(file, **_material_values(form))  # type: ignore[arg-type]
        except CatalogueError as exc:
            _seq_error(form, exc)
        else:
            flash(_("Material added."), "success")
            return redirect(url_for("catalogue.file_detail", file_id=file.id))
    record("file.view", file=file, details={"form": "material_new"})
    return render_template("catalogue/material_form.html", form=form, file=file, material=None)


def _material_or_404(material_id: int) -> Material:
    material = db.session.get(Material, material_id)
    if material is None:
        abort(404)
    get_file_or_404(material.file_id)  # scope check
    return material


@bp.route("/materials/<int:material_id>/edit", methods=["GET", "POST"])
@requires(Role.ARCHIVIST)
def material_edit(material_id: int) -> ResponseReturnValue:
    material = _material_or_404(material_id)
    form = MaterialForm(obj=material)
    if request.method == "GET":
        form.class_code.data = (
            f"{material.class_no}-{material.subclass}" if material.subclass else str(material.class_no)
        )
        form.formed.data = material.formed or ""
    if form.validate_on_submit():
        try:
            update_material(material, **_material_values(form))
        except CatalogueError as exc:
            _seq_error(form, exc)
        else:
            flash(_("Material saved."), "success")
            return redirect(url_for("catalogue.file_detail", file_id=material.file_id) + f"#m{material.id}")
    record("material.view", file=material.file, target_type="material", target_id=material.id)
    return render_template("catalogue/material_form.html", form=form, file=material.file, material=material)


@bp.route("/materials/<int:material_id>/delete", methods=["POST"])
@requires(Role.ARCHIVIST)
def material_delete(material_id: int) -> ResponseReturnValue:
    material = _material_or_404(material_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    file_id = material.file_id
    delete_material(material)
    flash(_("Material deleted; the numbers after it moved up."), "success")
    return redirect(url_for("catalogue.file_detail", file_id=file_id))


@bp.route("/materials/<int:material_id>/move", methods=["POST"])
@requires(Role.ARCHIVIST)
def material_move(material_id: int) -> ResponseReturnValue:
    material = _material_or_404(material_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    move_material(material, request.form.get("direction", "")[:8])
    return redirect(url_for("catalogue.file_detail", file_id=material.file_id) + f"#m{material.id}")


@bp.route("/files/<int:file_id>/catalogue.xlsx")
@requires(Role.ARCHIVIST)
def file_export(file_id: int) -> ResponseReturnValue:
    file = get_file_or_404(file_id)
    buffer = io.BytesIO()
    catalogue_workbook([file]).save(buffer)
    record("catalogue.export", file=file, details={"format": "xlsx", "materials": len(file.materials)})
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{file.archive_no}-目录.xlsx",
    )


@bp.route("/catalogue/import/template.xlsx")
@requires(Role.ARCHIVIST)
def import_template() -> ResponseReturnValue:
    """The 目录/人员 workbook to fill in for an import (header rows and an example row)."""
    buffer = io.BytesIO()
    template_workbook().save(buffer)
    record("catalogue.template")
    buffer.seek(0)
    return send_file(buffer, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     as_attachment=True, download_name="目录-人员-模板.xlsx")


@bp.route("/catalogue/import", methods=["GET", "POST"])
@requires(Role.ARCHIVIST)
def import_catalogue() -> ResponseReturnValue:
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        with tempfile.TemporaryDirectory(prefix="dangan-import-") as tmp:
            paths = []
            for index, upload in enumerate(f for f in form.files.data if f and f.filename):
                # Keep the Chinese file name (目录.xlsx) readable to the reader; only strip paths.
                name = Path(upload.filename.replace("\\", "/")).name or secure_filename(upload.filename)
                target = Path(tmp) / f"{index:02d}-{name}"
                upload.save(target)
                paths.append(target)
            # The scope is checked inside the import, against the files as they are before it.
            result = run_import(paths, replace=form.replace.data, street_scope=current_user.street,
                                sources=[f.filename for f in form.files.data if f and f.filename])
        if result.out_of_scope:
            flash(
                _("Nothing was imported: files %(nos)s belong to a street outside your scope.",
                  nos=", ".join(result.out_of_scope[:10])),
                "danger",
            )
        elif result.imported_files:
            flash(
                _("Imported %(files)s with %(materials)s.",
                  files=ngettext("%(num)d file", "%(num)d files", result.imported_files),
                  materials=ngettext("%(num)d material", "%(num)d materials", result.imported_materials)),
                "success",
            )
    return render_template("catalogue/import.html", form=form, result=result)


@bp.route("/me")
@requires(Role.RETIREE)
def my_file() -> ResponseReturnValue:
    person = current_user.person
    files = list(db.session.scalars(scoped_files(select(ArchiveFile).order_by(ArchiveFile.archive_no))))
    for file in files:
        record("file.view", file=file, details={"self_service": True})
    return render_template("catalogue/me.html", person=person, files=files)
