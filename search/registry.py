"""Open a search index from its URL (``DANGAN_SEARCH_URL``).

==============================  =========================================================
``whoosh:///abs/path``          whoosh index in a directory (the embedded default)
``tantivy:///abs/path``         tantivy index in a directory
``whoosh+memory://``            whoosh in memory (tests)
``tantivy+memory://``           tantivy in memory (tests)
==============================  =========================================================

An index directory carries ``dangan-search.json`` (backend and analysis version).  The index is derived
data: one written by another analysis version is emptied on open (logged; ``dangan index rebuild`` or
``dangan index check`` refill it), because its tokens no longer mean what queries ask for.  A non-empty
directory without that file is refused rather than touched.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from search.analysis import ANALYSIS_VERSION, SEGMENTER
from search.base import SearchIndex

__all__ = ["MARKER", "open_index"]

log = logging.getLogger(__name__)

MARKER = "dangan-search.json"
_BACKENDS = ("whoosh", "tantivy")


def _backend(name: str, path: Path | None) -> SearchIndex:
    if name == "whoosh":
        from search.whoosh_backend import WhooshIndex

        return WhooshIndex(path)
    from search.tantivy_backend import TantivyIndex

    return TantivyIndex(path)


def open_index(url: str) -> SearchIndex:
    """Open (creating if needed) the index at ``url``; ``ValueError`` for a URL or directory that is not one."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme.endswith("+memory") and scheme[: -len("+memory")] in _BACKENDS:
        return _backend(scheme[: -len("+memory")], None)
    if scheme not in _BACKENDS:
        raise ValueError(f"search URL must start with whoosh:// or tantivy://, got {url!r}")
    if parts.netloc or not parts.path.startswith("/"):
        raise ValueError(f"search URL needs an absolute path, e.g. {scheme}:///var/lib/dangan/search; got {url!r}")
    path = Path(parts.path)
    _prepare_dir(path, scheme)
    index = _backend(scheme, path)
    (path / MARKER).write_text(json.dumps({"backend": scheme, "analysis": ANALYSIS_VERSION,
                                           "segmenter": SEGMENTER}) + "\n", encoding="utf-8")
    return index


def _prepare_dir(path: Path, backend: str) -> None:
    """Check that ``path`` is empty or one of our indexes of this backend and analysis version."""
    if not path.exists():
        return
    if not path.is_dir():
        raise ValueError(f"{path} is not a directory")
    marker = path / MARKER
    if not marker.exists():
        if any(path.iterdir()):
            raise ValueError(f"{path} is not empty and holds no {MARKER}: refusing to use it as a search index")
        return
    try:
        meta = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{marker} is unreadable: {exc}") from exc
    if meta.get("backend") != backend:
        raise ValueError(f"{path} holds a {meta.get('backend')} index, not {backend}")
    if meta.get("analysis") != ANALYSIS_VERSION:
        log.warning("search index %s was built with analysis version %s (now %s): emptying it; rebuild it",
                    path, meta.get("analysis"), ANALYSIS_VERSION)
        for child in path.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    elif meta.get("segmenter") != SEGMENTER:
        log.info("search index %s was built with %s, now segmenting with %s (same dictionary)",
                 path, meta.get("segmenter"), SEGMENTER)
