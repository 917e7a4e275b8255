"""The ingest pipeline: a page's way from package bytes to a stored, measured, OCR'd page.

``process_page`` reads like a table of contents; each step lives in its own
module.  ``run_pages`` spreads pages over worker processes (one per core,
tesseract single-threaded in each, as OCRmyPDF does) and hands every result to
a callback as soon as it is ready, so the caller can checkpoint progress.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ingest.errors import IngestError
from ingest.imaging import decode, make_thumb, make_view, page_metrics
from ingest.lifeline import die_with_parent
from ingest.model import OcrResult, PageMetrics, PageRef, PageResult, StoredKeys
from ingest.ocr import OcrEngine, OcrError, get_engine
from ingest.ocr.page import PageOptions, recognise_page
from ingest.ocr.seals import read_seals
from ingest.sources import read_page
from storage import ObjectExists, ObjectStore, StorageError, open_store, sha256_bytes

__all__ = ["PageContext", "original_key", "process_page", "run_pages"]

log = logging.getLogger(__name__)

EXTENSIONS = {"jpeg": "jpg", "tiff": "tif", "png": "png", "jp2": "jp2"}


@dataclass(frozen=True)
class PageContext:
    """Settings every page job needs, read once at the edge; picklable for worker processes."""

    package_root: str
    store_url: str
    ocr_engine: str | None = "tesseract"
    max_pixels: int = 200_000_000


def process_page(ref: PageRef, ctx: PageContext) -> PageResult:
    """Read, decode, measure, store and recognise one page.  Never raises for bad input."""
    started = time.perf_counter()
    try:
        page = read_page(Path(ctx.package_root), ref)  # original bytes, lossless (PDF images extracted as-is)
        image = decode(page.data, max_pixels=ctx.max_pixels, source=ref.label)
        metrics = page_metrics(image, page.format, page.data, dpi=page.dpi)
        keys = store_page(page.data, page.format, image, _store(ctx.store_url))
        ocr = recognise(image, metrics, ctx)
    except IngestError as exc:
        return PageResult(ref, error=exc.code, message=str(exc), seconds=time.perf_counter() - started)
    except OcrError as exc:
        return PageResult(ref, error="ocr_failed", message=f"{ref.label}: {exc}", seconds=time.perf_counter() - started)
    except StorageError as exc:
        # Not the page's fault: the caller fails the job and a retry finishes it.
        return PageResult(ref, error="storage_unavailable", message=f"{ref.label}: {exc}",
                          seconds=time.perf_counter() - started)
    return PageResult(ref, keys=keys, metrics=metrics, ocr=ocr, seconds=time.perf_counter() - started)


def original_key(sha256: str, fmt: str) -> str:
    """Content-addressed key of a page's original bytes."""
    return f"pages/{sha256[:2]}/{sha256[2:4]}/{sha256}.{EXTENSIONS.get(fmt, fmt)}"


def _put_once(store: ObjectStore, key: str, data: bytes, content_type: str) -> None:
    # content-addressed: ObjectExists means the same bytes are already there (a re-run or a resumed job)
    with contextlib.suppress(ObjectExists):
        store.put(key, data, content_type=content_type)


def store_page(data: bytes, fmt: str, image: Image.Image, store: ObjectStore) -> StoredKeys:
    """Write the original bytes (write-once, content-addressed) and the viewing derivatives."""
    sha = sha256_bytes(data)
    key = original_key(sha, fmt)
    try:
        store.put(key, data, content_type=f"image/{fmt}")
    except ObjectExists:
        info = store.stat(key)
        if info.sha256 not in (None, sha):
            raise StorageError(f"{key} exists with different content", key=key) from None
    view_key, thumb_key = f"views/{sha[:2]}/{sha}.jpg", f"thumbs/{sha[:2]}/{sha}.jpg"
    # No exists() first: that is a round trip per derivative on S3 for every new page, to save
    # re-encoding in the rare case (a resumed page) where the derivative is already there.
    _put_once(store, view_key, make_view(image), "image/jpeg")
    _put_once(store, thumb_key, make_thumb(image), "image/jpeg")
    return StoredKeys(original=key, sha256=sha, size=len(data), view=view_key, thumb=thumb_key)


def recognise(image: Image.Image, metrics: PageMetrics, ctx: PageContext) -> OcrResult | None:
    """OCR a page with writing on it; blank pages and OCR-less runs give ``None``.

    The page is turned upright and straightened by its measured skew before it is read
    (:func:`ingest.ocr.page.recognise_page`); a colour page's red seals are read on their own.
    """
    if metrics.blank or not ctx.ocr_engine:
        return None
    engine = _engine(ctx.ocr_engine)
    result = recognise_page(engine, image, dpi=metrics.dpi, skew_deg=metrics.skew_deg,
                            options=PageOptions.for_engine(engine.name))
    if metrics.colour == "colour":
        result = dataclasses.replace(result, seals=read_seals(image, dpi=metrics.dpi))
    return result


# --- per-process caches: one store client and one OCR engine per worker process ----------------

_stores: dict[str, ObjectStore] = {}
_engines: dict[str, OcrEngine] = {}


def _store(url: str) -> ObjectStore:
    if url not in _stores:
        _stores[url] = open_store(url)
    return _stores[url]


def _engine(name: str) -> OcrEngine:
    if name not in _engines:
        _engines[name] = get_engine(name)
    return _engines[name]


def _init_worker(main_pid: int | None = None) -> None:
    # One process per core and tesseract single-threaded in each: OpenMP threads inside
    # tesseract only fight the other processes for the same cores.
    os.environ["OMP_THREAD_LIMIT"] = "1"
    if main_pid is not None:
        # A pool worker: it must not outlive the ingest process (kill -9 of `dangan ingest` included),
        # or it would keep the database and S3 sockets it inherited open.
        die_with_parent(main_pid)


def run_pages(
    refs: Iterable[PageRef],
    ctx: PageContext,
    *,
    workers: int,
    on_result: Callable[[PageResult], None],
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Process pages on ``workers`` processes (0 = in this process), calling ``on_result`` for each.

    Results arrive in completion order.  At most ``2 × workers`` pages are in flight, so a
    100,000-page package does not queue 100,000 futures, and a stop request takes effect soon.
    """
    refs = iter(refs)
    if workers <= 0:
        _init_worker()
        for ref in refs:
            if should_stop():
                return
            on_result(process_page(ref, ctx))
        return
    # Never fork a process that runs other threads (the web server's): use forkserver there.  A
    # single-threaded command line may fork, which starts the workers without re-importing anything.
    method = "fork" if threading.active_count() == 1 else "forkserver"
    mp = multiprocessing.get_context(method)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp, initializer=_init_worker,
                               initargs=(os.getpid(),))
    try:
        pending: set[Future[PageResult]] = set()
        exhausted = False
        while True:
            while not exhausted and len(pending) < workers * 2 and not should_stop():
                next_ref = next(refs, None)
                if next_ref is None:
                    exhausted = True
                    break
                pending.add(pool.submit(process_page, next_ref, ctx))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                # A dead worker (killed, out of memory) raises BrokenProcessPool here; the caller fails the job.
                on_result(future.result())
    finally:
        # On an error (a dead worker, the database gone while checkpointing) do not wait for the pages still
        # queued: they are redone when the job is resumed.
        pool.shutdown(wait=True, cancel_futures=True)
