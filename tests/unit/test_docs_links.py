"""Pointers into ``docs/`` resolve, and nothing points at design notes that live outside the repository.

Comments, docstrings, templates and READMEs cite ``docs/<page>.md#<section>``; Markdown pages link to each
other.  Both fail here when the page or the section (a heading's GitHub anchor, or an explicit
``<a id=…>``) does not exist, so renaming a heading means fixing its citations in the same commit.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

_SKIP_DIRS = {".git", ".venv", "venv", "instance", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache",
              ".mypy_cache", ".cache", "build", "dist"}
_TEXT_SUFFIXES = {"", ".py", ".md", ".html", ".txt", ".toml", ".cfg", ".ini", ".sh", ".js", ".css", ".mako",
                  ".po", ".pot", ".yml", ".yaml"}
_MAX_BYTES = 2_000_000

# docs/<page>.md, optionally with #<section>; not after a path or word character (…/docs/… is somebody else's).
_POINTER = re.compile(r"(?<![\w/.-])docs/([\w./-]*\w)(?:#([\w-]+))?")
# The notes the docs replaced; spelt in pieces so that this file does not mention them itself.
_OUTSIDE = re.compile(r"(?<![\w/.-])(?:DESIGN|DOMAIN|STYLE)\.md\b")
_MD_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_EXPLICIT = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")


def _text_files() -> list[Path]:
    files = []
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if any(part in _SKIP_DIRS or part.endswith(".egg-info") for part in rel.parts[:-1]):
            continue
        if path.is_file() and path.suffix.lower() in _TEXT_SUFFIXES and path.stat().st_size <= _MAX_BYTES:
            files.append(path)
    return files


def _read(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: its text, lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = text.replace("`", "").replace("*", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        anchors.update(_EXPLICIT.findall(line))
        match = None if fenced else _HEADING.match(line)
        if match:
            slug = _slug(match.group(2))
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            anchors.add(slug if n == 0 else f"{slug}-{n}")
    return anchors


def _problem(target: Path, anchor: str | None) -> str | None:
    """Why ``target#anchor`` does not resolve, or None when it does."""
    if not target.exists():
        return "no such file"
    if anchor and target.suffix == ".md" and anchor not in _anchors(target):
        return f"no section #{anchor}"
    return None


def test_slug_follows_github():
    assert _slug("Material classes") == "material-classes"
    assert _slug("Consulting, copying and lending") == "consulting-copying-and-lending"
    assert _slug("DA/T 70 checks") == "dat-70-checks"
    assert _slug("The `ingest/` package") == "the-ingest-package"


def test_docs_pointers_name_existing_pages_and_sections():
    found, broken = 0, []
    for path in _text_files():
        text = _read(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            for match in _POINTER.finditer(line):
                found += 1
                why = _problem(DOCS / match.group(1), match.group(2))
                if why:
                    broken.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)} ({why})")
    assert found >= 10, "the pointers in the code were not found: is ROOT right?"
    assert not broken, "pointers into docs/ that do not resolve:\n" + "\n".join(broken)


def test_markdown_links_resolve():
    broken = []
    for page in _text_files():
        if page.suffix != ".md":
            continue
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
            for target in _MD_LINK.findall(line):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: …
                    continue
                file_part, _, anchor = target.partition("#")
                resolved = (page.parent / file_part).resolve() if file_part else page
                why = _problem(resolved, anchor or None)
                if why:
                    broken.append(f"{page.relative_to(ROOT)}:{number}: ({target}) ({why})")
    assert not broken, "Markdown links that do not resolve:\n" + "\n".join(broken)


def test_no_pointers_to_design_notes_outside_the_repository():
    this = Path(__file__).resolve()
    hits = []
    for path in _text_files():
        text = _read(path) if path.resolve() != this else None
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if _OUTSIDE.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not hits, "these name notes that are not in the repository; point at docs/ instead:\n" + "\n".join(hits)


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md") if p.name != "README.md"))
def test_every_docs_page_is_in_the_index(page):
    assert f"]({page})" in (DOCS / "README.md").read_text(encoding="utf-8"), f"docs/README.md does not list {page}"
