"""Opening a scan package: find its catalogue sheets and, for every file (案卷), its pages in order.

A package (docs/scan-package.md) is a folder, a .zip, or several files and folders.  It holds
``目录.xlsx|csv`` and ``人员.xlsx|csv`` (or any workbook with sheets 目录/人员) and page images per file
in one of three layouts:

* flat — ``<档号>/0001.jpg, 0002.jpg …``: pages in running-number order (``<档号>-0001.jpg`` is read the
  same way); gaps in the numbering are kept as given, QC reports them;
* structured — ``<档号>/<类号>-<序号>/001.tif …``, the folder naming the material: ``4-1-2``, ``四-1-2``,
  ``1-3``, ``一-3``; pages ordered by class, sub-class, 序号, then file name;
* single — one multi-page ``<档号>.pdf`` or ``<档号>.tif``.

Folders may nest (a batch folder holding 档号 folders).  Formats are told by their bytes, never by their
extension; a multi-page TIFF or PDF is counted when the package is opened, so each of its pages gets a
:class:`~ingest.model.PageRef`.  Whatever cannot be a page becomes a :class:`~ingest.model.PackageProblem`
rather than an exception; codes:

``unsupported_format``
    a file of a type we do not keep (a .docx, .odt, .bmp, .gif, .heic, a stray text file);
``not_an_image``
    a file named as a page (``.jpg``, ``.tif``, ``.png``, ``.jp2``, ``.pdf``) whose bytes are no image at all
    (text, random bytes, an Office document renamed);
``empty_file``
    a file of 0 bytes;
``symlink_refused``
    a symbolic link inside the package: never followed, whatever it points at (a link could reach any
    file on the server);
``encrypted_pdf``, ``broken_pdf``, ``corrupt_image``
    a PDF or TIFF whose pages cannot even be counted;
``bad_layout``
    a file in the wrong place (an image outside a 档号 folder, a page file without a running number, a
    folder whose name is not ``类号-序号``, an empty material folder);
``duplicate_file``
    a second file with a 档号 already seen (the first one is kept).

Only an unusable package as a whole raises (:class:`~ingest.errors.PackageError`): a missing path, a
damaged zip, or a zip that is unsafe to extract — absolute or ``..`` member paths (zip-slip), symbolic
links, too many members, too many bytes in all, or a member compressed more than 200:1 (a zip bomb).
Zips made on Chinese Windows store GBK names without the UTF-8 flag; those names are recovered.
"""

import logging
import os
import shutil
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from ingest.errors import PackageError
from ingest.model import Package
from ingest.package.names import _ignored, _natural_key, parse_material_folder
from ingest.package.scan import _container, _entries, _Entry, _layout, _Scan, entry_for
from ingest.package.zipfiles import ZipLimits, _extract_zip, member_name

__all__ = ["ZipLimits", "member_name", "open_package", "parse_material_folder"]

log = logging.getLogger(__name__)




def _fresh_dir(parent: Path, name: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 10_000):
        candidate = parent / (name if n == 1 else f"{name}-{n}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise PackageError(f"工作目录中无法创建解压目录：{parent}")


def _is_zip(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".zip"


def _stem(path: Path) -> str:
    return unicodedata.normalize("NFC", path.stem).strip() or "package"


def _unwrap(folder: Path) -> Path:
    """A zip often holds one top folder around everything: make that folder the root (if not a 档号 folder)."""
    children = [c for c in folder.iterdir() if not _ignored(c.name)]
    if len(children) == 1 and children[0].is_dir() and not children[0].is_symlink():
        only = children[0]
        probe = _Scan(only)
        if _layout(only, _entries(only, probe)) == "container":
            return only
    return folder


def open_package(paths: Sequence[str | Path], workdir: Path, *, limits: ZipLimits | None = None) -> Package:
    """Open a scan package given as one folder, one .zip, or several files and folders.

    Zips are extracted (safely, see :class:`ZipLimits`) into a new folder under ``workdir``.  The
    package root is the folder itself for a single folder, the extraction folder for a single zip, the
    common parent for several plain files or folders side by side, and otherwise a new folder under
    ``workdir`` linking the inputs in.  All paths in the result are relative to ``Package.root``:
    ``PageRef.source``, ``Package.catalogue_sources`` and ``PackageProblem.path``.

    Raises :class:`~ingest.errors.PackageError` when the package as a whole cannot be used; anything
    wrong with single files is reported in ``Package.problems``.
    """
    limits = limits or ZipLimits()
    workdir = Path(workdir)
    inputs = [Path(p) for p in paths]
    if not inputs:
        raise PackageError("没有给出扫描包")
    for p in inputs:
        if not p.exists():
            raise PackageError("找不到扫描包", str(p))

    if len(inputs) == 1 and inputs[0].is_dir():
        return _open_folder(inputs[0].resolve())
    if len(inputs) == 1 and _is_zip(inputs[0]):
        dest = _fresh_dir(workdir, "zip") / _stem(inputs[0])
        dest.mkdir()
        _extract_zip(inputs[0], dest, limits)
        return _open_folder(_unwrap(dest))

    resolved = [p.resolve() for p in inputs]
    parents = {p.parent for p in resolved}
    if not any(_is_zip(p) for p in resolved) and len(parents) == 1:
        root = parents.pop()
        return _open_entries(root, [p.name for p in resolved])
    # Inputs from several places, or zips among them: gather them under one new root.
    root = _fresh_dir(workdir, "package")
    names: list[str] = []
    for p in resolved:
        if _is_zip(p):
            dest = _fresh_dir(root, _stem(p))
            _extract_zip(p, dest, limits)
            names.append(dest.name)
        else:
            link = root / p.name
            if link.exists() or link.is_symlink():
                link = _fresh_dir(root, p.stem)  # same name twice: keep both apart
                shutil.rmtree(link)
            os.symlink(p, link, target_is_directory=p.is_dir())
            names.append(link.name)
    return _open_entries(root, names)


def _open_folder(folder: Path) -> Package:
    """A folder is either a package of files or itself one file's folder (then its parent is the root).

    A BagIt bag (``bagit.txt`` beside ``data/``, as ``dangan export`` writes) is read from its ``data/``:
    the tag files around it are the bag's, not pages of the package.
    """
    if (folder / "bagit.txt").is_file() and (folder / "data").is_dir() and not (folder / "data").is_symlink():
        return _open_folder(folder / "data")
    probe = _Scan(folder)
    if _layout(folder, _entries(folder, probe)) != "container":
        return _open_entries(folder.parent, [folder.name])
    scan = _Scan(folder)
    _container(_entries(folder, scan), scan, 0)
    return _finish(scan)


def _open_entries(root: Path, names: list[str]) -> Package:
    """Scan the named entries of ``root`` as the contents of a container (symlinks at this level followed)."""
    scan = _Scan(root)
    entries: list[_Entry] = []
    for name in sorted(names, key=_natural_key):
        entries.append(entry_for(root / name))
    _container(entries, scan, 0)
    return _finish(scan)


def _finish(scan: _Scan) -> Package:
    pages = sum(len(f.pages) for f in scan.files)
    log.info("package %s: %d files, %d pages, %d catalogue sheets, %d problems",
             scan.root, len(scan.files), pages, len(scan.catalogues), len(scan.problems))
    return Package(root=str(scan.root), files=tuple(scan.files), catalogue_sources=tuple(scan.catalogues),
                   problems=tuple(scan.problems))
