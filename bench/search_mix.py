"""The benchmark's query mix: at least 1,000 distinct queries per kind, all drawn from the corpus.

The statistics come from the first ``--mix-pages`` pages of the corpus (default 100,000; the corpus is
prefix-stable, so every size is asked the same queries and the figures show growth): every file's name,
ID number, 档号, employer, street and material titles, and, on every ``SAMPLE_EVERY``-th page, its lines,
its dictionary words and its CJK runs.  Every query is run once per round, in one of four modes in
turn — all streets or one street (drawn by pages), with or without facets — so each kind is measured in
each mode.  Deterministic: the same corpus and seed give the same mix.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import rjieba

from search import PageDoc

__all__ = ["KINDS", "MODES", "CorpusStats", "Query", "corpus_stats", "query_mix"]

SAMPLE_EVERY = 10  # pages whose text feeds the word, line and phrase statistics
MODES = ("all", "all+facets", "street", "street+facets")
KINDS = ("name", "word: common", "word: rare", "phrase", "phrase: form line", "field", "combined", "boolean",
         "id / 档号")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{8,}")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,4}")


@dataclass(frozen=True)
class Query:
    """One query of the mix, in one mode."""

    kind: str
    text: str
    mode: str
    streets: tuple[str, ...] | None = None

    @property
    def facets(self) -> bool:
        return self.mode.endswith("+facets")

    @property
    def label(self) -> str:
        scope = f"  [{','.join(self.streets)}]" if self.streets is not None else ""
        return f"{self.text}{scope}{'  +facets' if self.facets else ''}"


@dataclass
class CorpusStats:
    """What the mix is drawn from."""

    pages: int = 0
    files: int = 0
    chars: int = 0
    max_file_id: int = 0
    name_files: Counter[str] = field(default_factory=Counter)  # name → files
    file_names: dict[int, tuple[str, str]] = field(default_factory=dict)  # file id → (档号, name)
    id_numbers: list[str] = field(default_factory=list)
    employers: Counter[str] = field(default_factory=Counter)
    titles: Counter[str] = field(default_factory=Counter)
    streets: Counter[str] = field(default_factory=Counter)  # street → pages
    lines: Counter[str] = field(default_factory=Counter)  # line → sampled pages
    words: Counter[str] = field(default_factory=Counter)  # dictionary word → sampled pages
    runs: list[str] = field(default_factory=list)  # CJK runs of ≥ 8 characters of sampled pages
    sampled: int = 0

    def add(self, doc: PageDoc) -> None:
        self.pages += 1
        self.chars += len(doc.text)
        self.streets[doc.street] += 1
        if doc.file_id not in self.file_names:
            self.files += 1
            self.max_file_id = max(self.max_file_id, doc.file_id)
            self.file_names[doc.file_id] = (doc.archive_no, doc.person_name)
            self.name_files[doc.person_name] += 1
            self.id_numbers.append(doc.id_number)
            self.employers[doc.employer] += 1
        self.titles[doc.material_title] += 1
        if doc.page_id % SAMPLE_EVERY:
            return
        self.sampled += 1
        lines = {line.strip() for line in doc.text.splitlines() if line.strip()}
        self.lines.update(lines)
        self.words.update({w for w in rjieba.cut(doc.text) if _CJK_WORD.fullmatch(w)})
        if len(self.runs) < 200_000:
            self.runs.extend(_CJK_RUN.findall(doc.text))

    def line_repetition(self) -> float:
        """Share of the sampled pages' lines that occur on ten or more sampled pages."""
        total = sum(self.lines.values())
        return sum(c for c in self.lines.values() if c >= 10) / max(total, 1)


def corpus_stats(docs: Iterable[PageDoc]) -> CorpusStats:
    stats = CorpusStats()
    for doc in docs:
        stats.add(doc)
    return stats


def _distinct(make: Callable[[], str | None], n: int, tries: int = 50) -> list[str]:
    out: dict[str, None] = {}
    for _ in range(n * tries):
        if len(out) >= n:
            break
        q = make()
        if q:
            out[q] = None
    return list(out)


def _substring(rng: random.Random, text: str) -> str | None:
    k = rng.randint(4, 8)
    if len(text) < k:
        return None
    i = rng.randrange(len(text) - k + 1)
    return text[i:i + k]


def query_mix(stats: CorpusStats, per_kind: int, seed: int = 1) -> list[Query]:
    """``per_kind`` distinct queries of every kind (fewer only where the corpus has fewer), modes in turn."""
    rng = random.Random(seed)
    names_by_files = [n for n, _ in stats.name_files.most_common()]
    common = names_by_files[: per_kind // 5]
    rest = names_by_files[per_kind // 5:]
    names = common + rng.sample(rest, min(len(rest), per_kind - len(common)))
    by_df = [w for w, _ in stats.words.most_common()]
    common_words = by_df[: per_kind]
    rare_words = [w for w, c in stats.words.items() if c <= 3]
    rare_words = rng.sample(sorted(rare_words), min(len(rare_words), per_kind))
    words = common_words[: len(common_words) // 2] + rare_words
    form_lines = [line for line, c in stats.lines.most_common(3000) if c >= stats.sampled / 100]
    form_runs = [r for line in form_lines for r in re.findall(r"[\u4e00-\u9fff]{4,}", line)]
    employers = sorted(stats.employers)
    titles = sorted(stats.titles)
    classes = ["1", "2", "3", "4", "4-1", "4-2", "5", "6", "7", "8", "9", "9-1", "9-2", "9-3", "9-4", "10"]

    def word() -> str:
        return rng.choice(words)

    def phrase() -> str | None:
        s = _substring(rng, rng.choice(stats.runs)) if stats.runs else None
        return f'"{s}"' if s else None

    def years() -> str:
        a = rng.randint(1950, 2015)
        return f"{a}..{a + rng.choice((0, 1, 5, 10))}"

    def field_query() -> str | None:
        f = rng.randrange(7)
        if f == 0:
            return f"姓名:{rng.choice(names)}"
        if f == 1:
            e = rng.choice(employers)
            return f"单位:{_substring(rng, e) or e}"
        if f == 2:
            return f"类别:{rng.choice(classes)} {word()}"
        if f == 3:
            return f"形成时间:{years()} {word()}"
        if f == 4:
            t = rng.choice(titles)
            return f'材料:"{_substring(rng, t) or t}"'
        if f == 5:
            return f"档号:{rng.choice(list(stats.file_names.values()))[0]}"
        return f"身份证:{rng.choice(stats.id_numbers)}"

    def combined() -> str | None:
        f = rng.randrange(4)
        if f == 0:
            return f"{rng.choice(names)} {word()}"
        if f == 1:
            return f"{word()} 类别:{rng.choice(classes)}"
        if f == 2:
            p = phrase()
            return f"{p} 形成时间:{years()}" if p else None
        return f"姓名:{rng.choice(names)} {word()}"

    def boolean() -> str:
        a, b, c = word(), word(), word()
        return rng.choice((f"{a} OR {b}", f"{a} NOT {b}", f"({a} OR {b}) {c}", f"{a} -{b}"))

    def ident() -> str:
        return rng.choice(list(stats.file_names.values()))[0] if rng.random() < 0.5 else rng.choice(stats.id_numbers)

    makers: dict[str, Callable[[], str | None]] = {
        "name": lambda: rng.choice(names),
        "word: common": lambda: rng.choice(common_words) if common_words else None,
        "word: rare": lambda: rng.choice(rare_words) if rare_words else None,
        "phrase": phrase,
        "phrase: form line": lambda: (f'"{_substring(rng, rng.choice(form_runs))}"' if form_runs else None),
        "field": field_query,
        "combined": combined,
        "boolean": boolean,
        "id / 档号": ident,
    }
    streets = [s for s in stats.streets if s]
    weights = [stats.streets[s] for s in streets]
    out: list[Query] = []
    for kind in KINDS:
        if kind == "name":
            texts = names[:per_kind]
        else:
            texts = [t for t in _distinct(makers[kind], per_kind) if t and "None" not in t]
        for i, text in enumerate(texts):
            mode = MODES[i % len(MODES)]
            scope = (rng.choices(streets, weights)[0],) if mode.startswith("street") else None
            out.append(Query(kind, text, mode, scope))
    return out
