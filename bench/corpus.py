"""A deterministic corpus of realistic Chinese OCR page texts for the search benchmark.

    from bench.corpus import generate
    for doc in generate(100_000):      # search.base.PageDoc, page_id 1 … n
        ...

    .venv/bin/python bench/corpus.py 100000      # build (or reuse) the cache and print a summary

Pages come from the demo generator (:mod:`archive.demo`): synthetic Xicheng retirees, each with the
catalogue of their file (~35 pages a file), every page's text from ``page_lines``.  That is fast
(~50,000 pages/s), so every page is a real page of a real synthetic file — no recombination of a small
pool is needed.  On top of the demo text, to look like what the OCR stage stores:

* the text goes through the app's own normalisation (:func:`ingest.ocr.normalise_text`): ideographic
  spaces and gaps between Chinese characters disappear, exactly as in ``pages.ocr_text``;
* pages are padded to a realistic length (mean ``mean_chars``, default 600, as in the measurements in
  docs/architecture.md#search-measurements) with rows of form labels and generic sentences of the demo pages, and, on
  about a third of the pages, a line of OCR garbage (random common characters — what Tesseract makes
  of handwriting);
* OCR noise per page (a clean, a fair or a poor scan): look-alike substitutions (已/己, 未/末, 干/千,
  0/O, 1/l …), dropped characters and stray marks from table rules (``|``, ``_``, ``.``) that survive
  normalisation and split words.  Plain spaces between Chinese characters — what Tesseract's chi_sim
  emits — are *not* added, because normalisation removes them before anything is indexed.

The stream is prefix-stable: ``generate(n)`` is the first ``n`` pages of ``generate(m)`` for any
``m > n`` (same seed), so corpora of different sizes nest and share people.  Corpora are cached as
gzip-compressed JSONL under ``bench/.cache/corpus-<n>.jsonl.gz`` (``-s<seed>`` for other seeds); a
smaller corpus is read as the prefix of any larger cached one.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import multiprocessing
import os
import random
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, bench/ comes first on sys.path, where bench/search.py would shadow the search package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from archive.catalogue.routing import responsible_street  # noqa: E402
from archive.demo import DemoMaterial, DemoPerson, generate_people, page_lines  # noqa: E402
from bench.corpus_text import person_name, sentence  # noqa: E402
from ingest.ocr import normalise_text  # noqa: E402
from search.base import PageDoc  # noqa: E402

__all__ = ["CACHE_DIR", "CORPUS_VERSION", "cache_path", "cached_corpus", "generate", "generate_fresh"]

# Corpora and indexes are large (a million pages: ~1 GB of corpus, ~2 GB of index): DANGAN_BENCH_CACHE puts
# them elsewhere (e.g. /tmp).
CACHE_DIR = Path(os.environ.get("DANGAN_BENCH_CACHE") or ROOT / "bench" / ".cache")
# 2: names from a large name space (bench.corpus_text), half the padding generated sentences.
CORPUS_VERSION = 2  # bump when the output changes: cached corpora of another version are rebuilt
_GENERATED_SHARE = 0.5  # padding lines that are generated sentences (the rest: form rows, demo sentences)

# Look-alike confusions of Chinese OCR (both directions where they make sense), chosen among the
# characters that are frequent in personnel forms.
_LOOKALIKES: dict[str, str] = {
    "己": "已巳", "已": "己巳", "未": "末", "末": "未", "日": "曰目", "目": "日", "曰": "日",
    "人": "入八", "入": "人", "八": "人", "土": "士工", "士": "土", "干": "千于", "千": "干", "于": "干",
    "工": "土", "天": "夭", "大": "太犬", "太": "大", "王": "玉主", "玉": "王", "主": "王", "休": "体",
    "体": "休", "历": "厉", "审": "宙", "国": "围", "建": "健", "作": "昨", "年": "午", "午": "年",
    "月": "用", "名": "各", "期": "斯", "员": "贝", "见": "贝", "同": "冋", "志": "忐", "办": "为",
    "为": "办", "准": "淮", "治": "冶", "资": "姿", "意": "竟", "位": "住", "住": "位", "生": "牛",
    "本": "木", "木": "本", "市": "币", "责": "贵", "贵": "责", "候": "侯", "侯": "候", "折": "析",
    "析": "折", "问": "间", "间": "问", "记": "纪", "纪": "记", "处": "外", "外": "处", "习": "刁",
    "务": "条", "技": "枝", "术": "木", "极": "板", "积": "织", "织": "积", "刘": "划", "张": "弦",
    "李": "季", "季": "李", "陈": "阵", "赵": "起", "杨": "扬", "扬": "杨", "孙": "孤", "秀": "透",
    "兰": "三", "华": "毕", "英": "荚", "强": "弹", "明": "朋", "军": "车", "车": "军",
    "退": "迟", "批": "比", "表": "衣", "部": "郜", "职": "识", "单": "里", "区": "匹", "京": "景",
    "0": "O", "O": "0", "1": "l", "l": "1", "5": "S", "8": "B", "6": "b", "9": "g", "2": "Z",
    "〇": "O", "：": ":", "，": ",", "。": ".", "（": "(", "）": ")",
}
_STRAY_MARKS = (" | ", "|", " _ ", ".", "'", " l ", "丨", "一")
# (share of pages, edits per character): clean scans, fair scans, poor scans.
_QUALITIES = ((0.6, 0.005), (0.3, 0.025), (0.1, 0.07))

# Printed wording of the forms (the labels OCR reads on every page of a form, filled in or not).
_FORM_LINES = (
    "姓名", "性别", "民族", "出生年月", "籍贯", "出生地", "文化程度", "参加工作时间", "政治面貌",
    "何时何地何人介绍参加中国共产党", "何时何地参加共青团", "现在家庭住址", "本人成份", "家庭出身",
    "健康状况", "婚姻状况", "专业技术职务", "工资级别", "何时何地受过何种奖励", "何时何地受过何种处分",
    "主要社会关系", "家庭主要成员及重要社会关系", "称谓", "工作单位及职务", "本人简历", "自何年何月",
    "至何年何月", "在何地何单位任何职", "证明人", "组织审查意见", "单位意见", "主管部门意见",
    "审批机关意见", "备注", "（盖章）", "年月日", "填表人", "审核人", "经办人", "负责人",
)
_RELATIVES = ("父亲", "母亲", "配偶", "长子", "长女", "次子", "次女")
_GARBAGE_SHARE = 0.35  # pages with a line of OCR garbage (handwriting read as random characters)


def _common_hanzi() -> str:
    """GB2312 level-1 characters (the 3,755 most common hanzi): what garbage OCR output is made of."""
    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def cache_path(n_pages: int, seed: int = 1) -> Path:
    """Where the corpus of ``n_pages`` pages for ``seed`` is cached."""
    suffix = "" if seed == 1 else f"-s{seed}"
    return CACHE_DIR / f"corpus-{n_pages}{suffix}.jsonl.gz"


def _class_code(material: DemoMaterial) -> str:
    return f"{material.class_no}-{material.subclass}" if material.subclass else str(material.class_no)


def _people(seed: int) -> Iterator[DemoPerson]:
    """People of ``seed`` one after another, without end (``generate_people`` is prefix-stable).

    Each gets a name from :func:`bench.corpus_text.person_name` (the demo's name space is small), drawn
    from (seed, person number), so the stream stays prefix-stable.
    """
    done = 0
    want = 2000
    while True:
        people = generate_people(want, seed=seed)
        for i, person in enumerate(people[done:], start=done):
            yield dataclasses.replace(person, name=person_name(random.Random(f"{seed}|name|{i}"), person.sex))
        done = want
        want *= 2


class _Decorator:
    """Padding and OCR noise for one seed; every page's randomness derives from (seed, page_id)."""

    def __init__(self, seed: int, mean_chars: int, noise: bool) -> None:
        self.seed = seed
        self.mean_chars = mean_chars
        self.noise = noise
        self.hanzi = _common_hanzi()
        rows = random.Random(seed)
        form_rows = ["".join(rows.sample(_FORM_LINES, rows.randint(2, 6))) for _ in range(len(_FORM_LINES) * 20)]
        sentences = self._sentences(seed)
        # Padding lines: generic sentences and rows of a form's printed labels, half and half.
        self.pool = tuple(sentences * max(1, len(form_rows) // len(sentences))) + tuple(form_rows)
        self.mean_pool_len = sum(map(len, self.pool)) / len(self.pool) + 1

    @staticmethod
    def _sentences(seed: int) -> tuple[str, ...]:
        """Generic sentences (no names, numbers or dates of a person) found on the first people's pages."""
        lines: set[str] = set()
        for person in generate_people(300, seed=seed):
            personal = (person.name, person.id_number, person.archive_no, person.employer)
            for material in person.materials:
                for page_no in range(1, material.pages + 1):
                    for line in normalise_text("\n".join(page_lines(person, material, page_no)[1:])).splitlines():
                        if (("，" in line or "。" in line) and not line.startswith(_RELATIVES)
                                and not any(p in line for p in personal) and not re.search(r"\d", line)):
                            lines.add(line)
        return tuple(sorted(lines))

    def decorate(self, page_id: int, text: str) -> str:
        """Pad ``text`` to the page's drawn length, add OCR garbage and noise."""
        rng = random.Random(self.seed * 1_000_003 + page_id)
        parts = [text]
        if self.mean_chars:
            target = rng.randint(self.mean_chars // 2, self.mean_chars * 3 // 2)
            length = len(text)
            if rng.random() < _GARBAGE_SHARE:
                garbage = "".join(rng.choices(self.hanzi, k=rng.randint(6, 30)))
                parts.append(garbage)
                length += len(garbage) + 1
            while length < target:
                line = sentence(rng) if rng.random() < _GENERATED_SHARE else rng.choice(self.pool)
                parts.append(line)
                length += len(line) + 1
            if len(parts) > 2:  # keep the heading first; mix the padding into the body
                body = parts[1:]
                rng.shuffle(body)
                parts[1:] = body
        page = "\n".join(parts)
        return self._noise(rng, page) if self.noise else page

    @staticmethod
    def _noise(rng: random.Random, page: str) -> str:
        roll = rng.random()
        rate = _QUALITIES[-1][1]
        for share, edits in _QUALITIES:
            if roll < share:
                rate = edits
                break
            roll -= share
        k = int(len(page) * rate + rng.random())
        if not k:
            return page
        out: list[str] = []
        last = 0
        for pos in sorted(set(rng.sample(range(len(page)), min(k, len(page))))):
            ch = page[pos]
            if ch == "\n":
                continue
            op = rng.random()
            if op < 0.7:
                alt = _LOOKALIKES.get(ch)
                if not alt:
                    continue
                out.append(page[last:pos])
                out.append(rng.choice(alt))
            elif op < 0.88:
                out.append(page[last:pos])  # dropped
            else:
                out.append(page[last:pos])
                out.append(rng.choice(_STRAY_MARKS))
                out.append(ch)
            last = pos + 1
        out.append(page[last:])
        return "".join(out)


def _file_pages(decorator: _Decorator, file_id: int, first_page_id: int, person: DemoPerson,
                limit: int) -> list[PageDoc]:
    """The first ``limit`` pages of one person's file, page ids from ``first_page_id``."""
    street = responsible_street(person.employer_level, person.hukou_district, person.hukou_street,
                                person.residence_district, person.residence_street) or ""
    docs: list[PageDoc] = []
    position = 0
    for material in person.materials:
        code = _class_code(material)
        for page_no in range(1, material.pages + 1):
            if position >= limit:
                return docs
            page_id = first_page_id + position
            position += 1
            text = normalise_text("\n".join(page_lines(person, material, page_no)))
            docs.append(PageDoc(
                page_id=page_id, file_id=file_id, archive_no=person.archive_no, street=street,
                person_name=person.name, id_number=person.id_number, employer=person.employer,
                class_code=code, material_seq=material.seq, material_title=material.title,
                formed=material.formed, position=position, text=decorator.decorate(page_id, text),
            ))
    return docs


_Task = list[tuple[int, int, DemoPerson, int]]  # (file_id, first page id, person, pages to take)
_worker_decorator: _Decorator | None = None


def _worker_init(seed: int, mean_chars: int, noise: bool) -> None:
    global _worker_decorator
    _worker_decorator = _Decorator(seed, mean_chars, noise)


def _worker_run(task: _Task) -> list[PageDoc]:
    assert _worker_decorator is not None
    return [doc for args in task for doc in _file_pages(_worker_decorator, *args)]


def _tasks(n_pages: int, seed: int, files_per_task: int = 40) -> Iterator[_Task]:
    page_id = 1
    task: _Task = []
    for file_id, person in enumerate(_people(seed), start=1):
        if page_id > n_pages:
            break
        take = min(person.page_count, n_pages - page_id + 1)
        task.append((file_id, page_id, person, take))
        page_id += take
        if len(task) >= files_per_task:
            yield task
            task = []
    if task:
        yield task


def generate_fresh(n_pages: int, seed: int = 1, *, mean_chars: int = 600, noise: bool = True,
                   workers: int | None = None) -> Iterator[PageDoc]:
    """Generate ``n_pages`` pages from scratch (no cache): page ids 1 … n, file ids 1 … in file order.

    ``workers`` processes (default: one per CPU for large corpora) share the work; the order and the
    output do not depend on it.
    """
    if workers is None:
        workers = (os.cpu_count() or 1) if n_pages >= 50_000 else 1
    if workers <= 1:
        decorator = _Decorator(seed, mean_chars, noise)
        for task in _tasks(n_pages, seed):
            for args in task:
                yield from _file_pages(decorator, *args)
        return
    with multiprocessing.Pool(workers, _worker_init, (seed, mean_chars, noise)) as pool:
        for docs in pool.imap(_worker_run, _tasks(n_pages, seed)):
            yield from docs


def _meta(n_pages: int, seed: int, mean_chars: int, noise: bool) -> dict[str, object]:
    return {"version": CORPUS_VERSION, "n": n_pages, "seed": seed, "mean_chars": mean_chars, "noise": noise}


def _row(doc: PageDoc) -> list[object]:
    return [doc.page_id, doc.file_id, doc.archive_no, doc.street, doc.person_name, doc.id_number, doc.employer,
            doc.class_code, doc.material_seq, doc.material_title, doc.formed, doc.position, doc.text]


def _cached(n_pages: int, seed: int, mean_chars: int, noise: bool) -> Path | None:
    """The smallest cached corpus with at least ``n_pages`` pages of the same kind, if any."""
    want = _meta(n_pages, seed, mean_chars, noise)
    candidates: list[tuple[int, Path]] = []
    pattern = re.compile(r"corpus-(\d+)" + ("" if seed == 1 else f"-s{seed}") + r"\.jsonl\.gz")
    if CACHE_DIR.is_dir():
        for path in CACHE_DIR.iterdir():
            match = pattern.fullmatch(path.name)
            if match and int(match.group(1)) >= n_pages:
                candidates.append((int(match.group(1)), path))
    for size, path in sorted(candidates):
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                meta = json.loads(fh.readline()).get("meta", {})
        except (OSError, ValueError, EOFError):
            continue
        if all(meta.get(k) == v for k, v in want.items() if k != "n") and meta.get("n") == size:
            return path
    return None


def cached_corpus(n_pages: int, seed: int = 1, *, mean_chars: int = 600, noise: bool = True) -> Path | None:
    """The cached file ``generate`` would read the corpus from (its own or a larger one), or ``None``."""
    return _cached(n_pages, seed, mean_chars, noise)


def _read(path: Path, n_pages: int) -> Iterator[PageDoc]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        fh.readline()
        for _, line in zip(range(n_pages), fh, strict=False):
            yield PageDoc(*json.loads(line))


def generate(n_pages: int, seed: int = 1, *, mean_chars: int = 600, noise: bool = True,
             cache: bool = True, workers: int | None = None) -> Iterator[PageDoc]:
    """The first ``n_pages`` pages of the corpus for ``seed``, from the cache when there is one.

    Without a cache the pages are generated and written to ``bench/.cache/corpus-<n>.jsonl.gz`` on the
    way; the file appears (atomically) only when the whole corpus has been consumed.  ``workers``: see
    :func:`generate_fresh`.
    """
    if not cache:
        yield from generate_fresh(n_pages, seed, mean_chars=mean_chars, noise=noise, workers=workers)
        return
    found = _cached(n_pages, seed, mean_chars, noise)
    if found is not None:
        yield from _read(found, n_pages)
        return
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    final = cache_path(n_pages, seed)
    tmp = final.with_name(f"{final.name}.{os.getpid()}.tmp")
    complete = False
    try:
        with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as fh:
            fh.write(json.dumps({"meta": _meta(n_pages, seed, mean_chars, noise)}) + "\n")
            for doc in generate_fresh(n_pages, seed, mean_chars=mean_chars, noise=noise, workers=workers):
                fh.write(json.dumps(_row(doc), ensure_ascii=False, separators=(",", ":")) + "\n")
                yield doc
            complete = True
        os.replace(tmp, final)
    finally:
        if not complete:
            tmp.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", type=int, nargs="?", default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=0, help="print the first N pages")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    source = cached_corpus(args.pages, args.seed)
    files: set[int] = set()
    chars = 0
    streets: dict[str, int] = {}
    for doc in generate(args.pages, args.seed):
        files.add(doc.file_id)
        chars += len(doc.text)
        streets[doc.street] = streets.get(doc.street, 0) + 1
        if doc.page_id <= args.show:
            print(f"--- page {doc.page_id} · {doc.archive_no} {doc.person_name} · {doc.street or '(无街道)'} · "
                  f"{doc.class_code}/{doc.material_seq} {doc.material_title} {doc.formed} · p{doc.position}")
            print(doc.text)
    took = time.perf_counter() - start
    print(f"{args.pages:,} pages, {len(files):,} files, {chars / max(args.pages, 1):.0f} chars/page, "
          f"{len(streets) - ('' in streets)} streets ({streets.get('', 0) / max(args.pages, 1):.0%} without), "
          f"{took:.1f} s ({args.pages / took:,.0f} pages/s); "
          + (f"read from {source}" if source else f"generated into {cache_path(args.pages, args.seed)}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
