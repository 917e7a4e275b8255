"""Ingest benchmark: Dangan's whole pipeline against bare tesseract on the same pages, same processes.

    .venv/bin/python bench/ingest.py [--pages 24] [--workers 2] [--paper a4]

1. Generates N scanned-looking A4 pages at 300 dpi (the demo renderer) as one file's scan package
   with a matching 目录 (cached under bench/.cache/).
2. Bare tesseract: ``tesseract page.jpg - -l chi_sim --oem 1 --psm 3 --dpi 300 tsv`` for every page,
   ``--workers`` processes at a time, ``OMP_THREAD_LIMIT=1`` — the OCR work alone.
3. Dangan: ``dangan ingest`` of the same package (SQLite + local store in a temp folder) with the
   same number of worker processes: decode, measure, blank/skew/phash, derivatives, storage with
   SHA-256, OCR, QC, and the database transaction.
Prints pages/s for both, the ratio of wall times (target ≤ 1.10), and peak memory.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_package(pages: int, paper: tuple[int, int]) -> Path:
    from archive.demo import generate_people, page_lines, render_page

    cache = ROOT / "bench" / ".cache" / f"ingest-{pages}-{paper[0]}x{paper[1]}"
    if (cache / "目录.csv").exists():
        return cache
    shutil.rmtree(cache, ignore_errors=True)
    (cache / "BENCH-1").mkdir(parents=True)
    person = generate_people(3, seed=5)[0]
    materials = list(person.materials)
    with (cache / "目录.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["档号", "类号", "序号", "材料名称", "材料形成时间", "页数", "备注"])
        for n in range(pages):  # one material per page keeps linking trivial
            m = materials[n % len(materials)]
            w.writerow(["BENCH-1", "十", n + 1, m.title, "1990", 1, ""])
    for n in range(pages):
        m = materials[n % len(materials)]
        image = render_page(page_lines(person, m, 1), seed=n, dpi=300, paper=paper).convert("L")
        image.save(cache / "BENCH-1" / f"{n + 1:04d}.jpg", "JPEG", quality=85, dpi=(300, 300))
    return cache


def bare_tesseract(files: list[Path], workers: int) -> float:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(path: Path) -> None:
        subprocess.run(["tesseract", str(path), "-", "-l", "chi_sim", "--oem", "1", "--psm", "3", "--dpi", "300",
                        "tsv"], check=True, capture_output=True, env=env)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, files))
    return time.perf_counter() - started


def dangan(package: Path, workers: int) -> tuple[float, list[dict]]:
    from flask_migrate import upgrade

    from archive import create_app
    from archive.extensions import db
    from archive.scanning.service import create_job, run_job

    tmp = Path(tempfile.mkdtemp(prefix="dangan-bench-ingest-"))
    try:
        app = create_app({"INSTANCE_PATH": str(tmp), "SECRET_KEY": "bench",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'b.sqlite3'}",
                          "DANGAN_STORAGE_URL": f"file://{tmp / 'objects'}", "DANGAN_QUEUE_URL": "inline://"})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            job = create_job([str(package)], created_by="bench", street=None, source="bench", workers=workers)
            db.session.commit()
            outcomes = run_job(job.id, workers=workers)
            took = time.perf_counter() - started
            db.session.remove()
            db.engine.dispose()
        return took, [o.as_dict() for o in outcomes]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--paper", choices=["a4", "a5"], default="a4")
    args = parser.parse_args()
    paper = (210, 297) if args.paper == "a4" else (148, 210)
    package = make_package(args.pages, paper)
    files = sorted((package / "BENCH-1").glob("*.jpg"))
    print(f"{len(files)} pages, {args.paper.upper()} 300 dpi grey JPEG, {args.workers} worker processes")
    bare = bare_tesseract(files, args.workers)
    ours, outcomes = dangan(package, args.workers)
    assert outcomes[0]["status"] == "ingested" and outcomes[0]["pages"] == len(files), outcomes
    print(f"bare tesseract : {bare:7.1f} s  {len(files) / bare:5.2f} pages/s")
    print(f"dangan ingest  : {ours:7.1f} s  {len(files) / ours:5.2f} pages/s")
    print(f"ratio dangan / tesseract wall time: {ours / bare:.3f}  (target <= 1.10; OCRmyPDF 1.37)")
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: main process {me:.0f} MiB, largest child process {kids:.0f} MiB")


if __name__ == "__main__":
    main()
