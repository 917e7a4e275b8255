"""``dangan transfers route|import``: the work plan's routing and the 名册 import from the shell."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from archive.extensions import db
from archive.transfers.routing import LEVELS, RoutingError, parse_level, parse_place, route

transfers_cli = AppGroup("transfers", help="Transfers (移交与转递): routing, 名册 import.")

_LEVEL_CHOICES = click.Choice([*LEVELS, *LEVELS.values()])


@transfers_cli.command("route")
@click.option("--level", required=True, type=_LEVEL_CHOICES, help="央属, 市属 or 区属.")
@click.option("--hukou", required=True, help="户籍地: 区[/街道], e.g. 西城/展览路.")
@click.option("--residence", default="", help="常住地: 区[/街道]; empty: as the 户籍地.")
@click.option("--party", type=click.Choice(["yes", "no"]), default="no", show_default=True, help="党员.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def route_command(level: str, hukou: str, residence: str, party: str, as_json: bool) -> None:
    """Route one retiree by the work plan's rules (§五)."""
    try:
        routing = route(parse_level(level), parse_place(hukou, field="hukou"),
                        parse_place(residence, field="residence"), party == "yes")
    except RoutingError as exc:
        click.echo(f"Error ({exc.field}): {exc.message}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(routing.as_json(), ensure_ascii=False))
        return
    data = routing.as_json()
    click.echo(f"档案 → {data['archive_to']}  社保 → {data['social_insurance_to']}  "
               f"党组织 → {data['party_to'] or '—'}  街道 → {data['street'] or '—'}")
    click.echo(data["reason"])


@transfers_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--enterprise", required=True, help="The sending enterprise (the batch's).")
@click.option("--level", required=True, type=_LEVEL_CHOICES, help="央属, 市属 or 区属.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def import_command(path: Path, enterprise: str, level: str, as_json: bool) -> None:
    """Import a 移交名册 (.xlsx/.csv) into the enterprise's open batch; any wrong row imports nothing (exit 1)."""
    from archive.transfers.operations import TransferError, batch_for, import_roster

    try:
        batch = batch_for(enterprise, parse_level(level))
        outcome = import_roster(batch, path, source_name=path.name)
    except TransferError as exc:
        db.session.rollback()
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(2)
    # A failed import wrote nothing but its audit event (and the batch, if this command opened it).
    db.session.commit()
    if as_json:
        click.echo(json.dumps(outcome.as_dict(), ensure_ascii=False))
    else:
        if outcome.ok:
            click.echo(f"批次 {outcome.batch_id}: {outcome.rows} 行，本区接收 {outcome.expected_files}，"
                       f"转外区 {outcome.routed_elsewhere}，已在库未添加 {len(outcome.skipped)}")
        else:
            click.echo(f"批次 {outcome.batch_id}: 名册有 {len(outcome.errors)} 处错误，未导入任何一行", err=True)
        for e in outcome.errors:
            click.echo(f"  第{e.row}行 {e.field or ''}: {e.message}", err=True)
    if not outcome.ok:
        sys.exit(1)
