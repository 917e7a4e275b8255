"""``dangan audit verify|anchor|export|scan``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from archive.audit.anchors import anchor_now, anchor_read_store
from archive.audit.recorder import record
from archive.audit.verify import verify_log
from archive.extensions import db
from archive.oversight.export import csv_chunks, write_xlsx
from archive.oversight.filters import FilterError, parse_filter
from storage import StorageError

audit_cli = AppGroup("audit", help="Verify, anchor and export the audit trail.")


@audit_cli.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--no-anchors", is_flag=True, help="Check the chain only (when the object store is unreachable).")
def verify_command(as_json: bool, no_anchors: bool) -> None:
    """Walk the chain and the anchors; exit 1 at the first break."""
    try:
        report = verify_log(None if no_anchors else anchor_read_store())
    except StorageError as exc:
        raise click.ClickException(f"cannot read the anchors: {exc}") from exc
    db.session.rollback()  # the walk is read-only; its event goes in a transaction of its own
    record("audit.verify", outcome="ok" if report.ok else "failed", details=report.as_dict())
    db.session.commit()
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    elif report.ok:
        click.echo(f"audit log intact: {report.events} events, {report.anchors_checked} anchors checked")
    else:
        broken = report.as_dict()["first_broken"]
        click.echo(f"AUDIT LOG BROKEN at event {broken['seq']} (id {broken['id']}, {broken['time']}): "
                   f"{broken['problem']}", err=True)
    if not report.ok:
        sys.exit(1)


@audit_cli.command("anchor")
def anchor_command() -> None:
    """Write the chain head to the anchor sink now (recorded as an ``audit.anchor`` event)."""
    try:
        anchor = anchor_now(force=True)
    except StorageError as exc:
        raise click.ClickException(f"anchor store unavailable: {exc}") from exc
    if anchor is None:
        click.echo("audit log is empty; nothing to anchor")
        return
    db.session.commit()
    click.echo(f"anchored event {anchor.seq} ({anchor.hash[:16]}…) as {anchor.key}")


@audit_cli.command("export")
@click.option("--since", default="", help="First day (YYYY-MM-DD, Asia/Shanghai).")
@click.option("--until", default="", help="Last day, inclusive.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File to write (csv: default stdout).")
def export_command(since: str, until: str, fmt: str, output: Path | None) -> None:
    """Export events of a period, streamed."""
    try:
        flt = parse_filter({"since": since, "until": until})
    except FilterError as exc:
        raise click.ClickException(f"--{exc.field}: {exc.code}") from exc
    from flask import current_app

    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    stmt = flt.statement(tz)
    if fmt == "xlsx":
        if output is None:
            raise click.ClickException("xlsx needs --output")
        with output.open("wb") as fh:
            count = write_xlsx(stmt, fh, tz)
    else:
        count = 0
        fh = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            for chunk in csv_chunks(stmt, tz):
                fh.write(chunk)
                count += chunk.count("\n")
        finally:
            if output:
                fh.close()
        count = max(count - 1, 0)
    db.session.rollback()
    record("audit.export", details={"filter": flt.as_dict(), "format": fmt, "events": count})
    db.session.commit()
    if output:
        click.echo(f"wrote {output}", err=True)


@audit_cli.command("scan")
def scan_command() -> None:
    """Run the anomaly rules over events not scanned yet."""
    from archive.oversight.rules import scan

    flags = scan()
    db.session.commit()
    click.echo(f"{len(flags)} new flags")
