"""Corpora and ground truth for the search tests (no engine code: the truth is plain substring checks)."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from archive.demo import DemoPerson, generate_people, page_lines
from search import PageDoc, SearchIndex, open_index

BACKENDS = ("whoosh", "tantivy")


def open_backend(backend: str, path: Path) -> SearchIndex:
    return open_index(f"{backend}://{path.resolve()}")


def class_code(cls: int, sub: int) -> str:
    return f"{cls}-{sub}" if sub else str(cls)


def ocr_noise(text: str, rng: random.Random) -> str:
    """What OCR does to a page: spaces and line breaks inside words, full-width digits and letters."""
    out = []
    for ch in text:
        r = rng.random()
        if "\u4e00" <= ch <= "\u9fff" and r < 0.04:
            out.append(ch + rng.choice((" ", "\n", "　")))
        elif ch.isascii() and ch.isalnum() and r < 0.15:
            out.append(chr(ord(ch) + 0xFEE0))  # full-width form
        else:
            out.append(ch)
    return "".join(out)


def demo_docs(people: Sequence[DemoPerson], *, noise: bool = True, seed: int = 7) -> list[PageDoc]:
    """Every page of every person's file, as the app would index it."""
    rng = random.Random(seed)
    docs: list[PageDoc] = []
    page_id = 1000
    for file_id, person in enumerate(people, start=1):
        position = 0
        for material in person.materials:
            for n in range(1, material.pages + 1):
                page_id += 1
                position += 1
                text = "\n".join(page_lines(person, material, n))
                docs.append(PageDoc(
                    page_id=page_id, file_id=file_id, archive_no=person.archive_no,
                    street=person.residence_street, person_name=person.name, id_number=person.id_number,
                    employer=person.employer, class_code=class_code(material.class_no, material.subclass),
                    material_seq=material.seq, material_title=material.title, formed=material.formed,
                    position=position, text=ocr_noise(text, rng) if noise else text,
                ))
    return docs


def demo_corpus(n_people: int = 6, seed: int = 2031) -> tuple[list[DemoPerson], list[PageDoc]]:
    people = generate_people(n_people, seed=seed)
    return people, demo_docs(people)


def fold(text: str) -> str:
    """The truth's notion of equal text: NFKC, lower case, no whitespace at all."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def contains(doc: PageDoc, needle: str, fields: Iterable[str] = ("text", "person_name", "employer",
                                                               "material_title", "archive_no", "id_number")) -> bool:
    n = fold(needle)
    return any(n in fold(getattr(doc, f)) for f in fields)


def all_hits(ix: SearchIndex, query: str, streets: Sequence[str] | None = None) -> list[int]:
    """Every hit's page id, read page by page (100 at a time)."""
    ids: list[int] = []
    offset = 0
    while True:
        res = ix.search(query, streets=streets, limit=100, offset=offset, facets=False)
        ids.extend(h.page_id for h in res.hits)
        offset += 100
        if offset >= res.total:
            return ids


def fill(ix: SearchIndex, docs: Iterable[PageDoc]) -> None:
    with ix.batch() as b:
        for doc in docs:
            b.add(doc)


def edited(doc: PageDoc, **changes: object) -> PageDoc:
    return replace(doc, **changes)  # type: ignore[arg-type]
