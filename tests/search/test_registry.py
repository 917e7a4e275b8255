"""open_index: URLs, the marker file, and what happens to directories that are not ours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search import open_index
from search.analysis import ANALYSIS_VERSION
from search.registry import MARKER
from search.tantivy_backend import TantivyIndex
from search.whoosh_backend import WhooshIndex
from tests.search.helpers import demo_corpus, fill


def test_urls(tmp_path: Path) -> None:
    assert isinstance(open_index(f"whoosh://{tmp_path / 'w'}"), WhooshIndex)
    assert isinstance(open_index(f"tantivy://{tmp_path / 't'}"), TantivyIndex)
    assert isinstance(open_index("whoosh+memory://"), WhooshIndex)
    assert isinstance(open_index("tantivy+memory://"), TantivyIndex)
    meta = json.loads((tmp_path / "t" / MARKER).read_text())
    assert meta["backend"] == "tantivy" and meta["analysis"] == ANALYSIS_VERSION


@pytest.mark.parametrize("url", ["elastic:///x", "whoosh://relative/path", "whoosh:relative", "", "/abs/path",
                                 "memory://"])
def test_bad_urls(url: str) -> None:
    with pytest.raises(ValueError):
        open_index(url)


def test_refuses_foreign_directories(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="refusing"):
        open_index(f"whoosh://{tmp_path}")
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    open_index(f"whoosh://{tmp_path / 'w'}")
    with pytest.raises(ValueError, match="whoosh index, not tantivy"):
        open_index(f"tantivy://{tmp_path / 'w'}")


@pytest.mark.parametrize("backend", ["whoosh", "tantivy"])
def test_other_analysis_version_is_emptied(backend: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _, docs = demo_corpus(n_people=1)
    path = tmp_path / "ix"
    ix = open_index(f"{backend}://{path}")
    fill(ix, docs[:5])
    ix.close()
    marker = path / MARKER
    marker.write_text(json.dumps({"backend": backend, "analysis": ANALYSIS_VERSION - 1}))
    again = open_index(f"{backend}://{path}")
    assert again.count() == 0
    assert "rebuild" in caplog.text
    fill(again, docs[:3])
    assert again.count() == 3
    assert json.loads(marker.read_text())["analysis"] == ANALYSIS_VERSION


def test_two_handles_on_one_tantivy_directory(tmp_path: Path) -> None:
    _, docs = demo_corpus(n_people=1)
    a = open_index(f"tantivy://{tmp_path / 'ix'}")
    b = open_index(f"tantivy://{tmp_path / 'ix'}")
    fill(a, docs[:4])
    fill(b, docs[4:6])  # a's writer (and its lock) is gone once its batch ended
    assert a.count() + 0 >= 4
    fresh = open_index(f"tantivy://{tmp_path / 'ix'}")
    assert fresh.count() == 6
