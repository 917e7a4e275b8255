"""``dangan ingest`` and ``dangan worker``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from archive.extensions import db
from archive.scanning.models import IngestJob
from ingest.errors import IngestError


@click.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--workers", type=int, default=None, help="OCR processes (default: one per core).")
@click.option("--json", "as_json", is_flag=True, help="Print the per-file result as JSON.")
@click.option("--resume", "resume", type=int, default=None, help="Run an interrupted job again by its id.")
@click.option("--abandon", "abandon", type=int, default=None,
              help="Give a failed job up: delete its uploaded files (it cannot be resumed after).")
@click.option("--local", is_flag=True, help="With a Celery queue: run the job in this process, not on the workers.")
@click.option("--no-wait", is_flag=True, help="With a Celery queue: send the job and return at once.")
@with_appcontext
def ingest_command(paths: tuple[Path, ...], workers: int | None, as_json: bool, resume: int | None,
                   abandon: int | None, local: bool, no_wait: bool) -> None:
    """Ingest scan packages (folders, .zip, PDFs, TIFFs); exit 1 if any input was rejected or none was usable."""
    from archive.scanning.service import JobBusy, JobFailed, create_job, run_job
    from archive.scanning.uploads import CannotAbandon, abandon_job

    if abandon is not None:
        if paths or resume is not None:
            raise click.UsageError("--abandon JOB takes no PATH and no --resume")
        try:
            deleted = abandon_job(abandon, user="cli")
        except CannotAbandon as exc:
            raise click.ClickException(f"job {abandon} is not a failed job: only those can be abandoned") from exc
        click.echo(f"job {abandon} abandoned: {deleted} uploaded files deleted")
        return
    if resume is None and not paths:
        raise click.UsageError("give PATH… or --resume JOB")
    if resume is not None:
        job_id = resume
    else:
        job = create_job([str(p.resolve()) for p in paths], created_by="cli", street=None,
                         source=", ".join(str(p) for p in paths), workers=workers or 0)
        db.session.commit()
        job_id = job.id
    bar = None if as_json else click.progressbar(length=1, label=f"job {job_id}", show_pos=True, show_eta=True,
                                                 file=sys.stderr)

    def progress(job: IngestJob) -> None:
        if bar is not None:
            bar.length = max(job.pages_total, 1)
            bar.update(job.pages_done - bar.pos)

    distributed = current_app.config.get("DANGAN_QUEUE_URL", "").startswith("celery+") and not local
    try:
        if distributed:
            from archive.scanning.cli_celery import send_and_follow

            outcomes = send_and_follow(job_id, wait=not no_wait, progress=progress)
            if outcomes is None:
                return
        else:
            outcomes = run_job(job_id, workers=workers, progress=progress)
    except IngestError as exc:
        raise click.ClickException(f"package refused: {exc}") from exc
    except JobBusy as exc:
        raise click.ClickException(f"{exc}: it is not started a second time") from exc
    except JobFailed as exc:
        raise click.ClickException(f"job {job_id} failed: {exc}. Run `dangan ingest --resume {job_id}`.") from exc
    finally:
        if bar is not None:
            bar.render_finish()
    if as_json:
        click.echo(json.dumps([o.as_dict() for o in outcomes], ensure_ascii=False))
    else:
        for o in outcomes:
            errors = sum(1 for f in o.findings if f["severity"] == "error")
            if o.archive_no:
                click.echo(f"{o.archive_no}: {o.status}, {o.pages} pages, {len(o.findings)} findings ({errors} errors)")
            else:  # an input that belongs to no file: say why it was not used
                click.echo(f"{o.source}: {o.status}: {o.findings[0]['message'] if o.findings else ''}")
        job = db.session.get(IngestJob, job_id)
        if job is not None and job.error:
            click.echo(f"job {job_id}: {job.error}", err=True)
    # Non-zero when a file was rejected, and when nothing at all could be ingested (an empty package too).
    if any(o.status == "rejected" for o in outcomes) or not any(o.usable for o in outcomes):
        sys.exit(1)


@click.command("worker")
@click.option("--once", is_flag=True, help="Run one job and exit (the Redis list queue only).")
@click.option("--concurrency", type=int, default=None,
              help="Page processes of a Celery worker (default: one per core).")
@click.option("--name", default="", help="The Celery worker's node name (default: dangan-PID@HOST).")
@with_appcontext
def worker_command(once: bool, concurrency: int | None, name: str) -> None:
    """Take ingest work from the queue (DANGAN_QUEUE_URL): Celery page tasks, or whole jobs from a Redis list."""
    import os

    from archive.scanning.queue import run_worker

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("DANGAN_QUEUE_URL", "").startswith("celery+"):
        from archive.scanning.celery_app import run_celery_worker

        if once:
            raise click.UsageError("--once is for the Redis list queue; a Celery worker runs until stopped")
        run_celery_worker(app, concurrency=concurrency or os.cpu_count() or 1, name=name)
        return
    try:
        ran = run_worker(app, once=once)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"ran {ran} jobs")
