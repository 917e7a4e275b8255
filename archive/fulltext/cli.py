"""``dangan search`` and ``dangan index rebuild|check``."""

from __future__ import annotations

import json
import sys
import time

import click
from flask.cli import AppGroup, with_appcontext

from archive.audit import record
from archive.extensions import db
from archive.fulltext.indexing import check_index, get_index, rebuild_index
from search import QueryError


@click.command("search")
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def search_command(query: str, limit: int, as_json: bool) -> None:
    """Search page texts and catalogue data (all streets: for administrators and scripts)."""
    started = time.perf_counter()
    try:
        results = get_index().search(query, streets=None, limit=limit, facets=False)
    except QueryError as exc:
        record("search.query", outcome="failed", details={"q": query[:500], "error": str(exc), "cli": True})
        db.session.commit()
        raise click.ClickException(str(exc)) from exc
    took = (time.perf_counter() - started) * 1000
    record("search.query", details={"q": query[:500], "total": results.total, "total_exact": results.total_exact,
                                    "cli": True})
    db.session.commit()
    hits = [{"archive_no": h.archive_no, "page": h.position, "material": h.material_seq, "score": round(h.score, 4),
             "snippet": h.snippet} for h in results.hits]
    if as_json:
        click.echo(json.dumps({"total": results.total, "total_exact": results.total_exact, "took_ms": round(took, 2),
                               "hits": hits}, ensure_ascii=False))
    else:
        about = "" if results.total_exact else "about "  # estimated from a sample (search.estimate)
        click.echo(f"{about}{results.total} pages ({took:.1f} ms)")
        for h in hits:
            click.echo(f"  {h['archive_no']} p.{h['page']} [{h['material']}] {h['score']:.3f}  {h['snippet']}")


index_cli = AppGroup("index", help="The search index (derived data): rebuild and check.")


@index_cli.command("rebuild")
def rebuild_command() -> None:
    """Recreate the index from the database."""
    with click.progressbar(length=1, label="indexing pages", show_pos=True, show_eta=True) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        count = rebuild_index(progress)
    record("index.rebuild", details={"pages": count})
    db.session.commit()
    click.echo(f"indexed {count} pages")


@index_cli.command("check")
@click.option("--json", "as_json", is_flag=True)
def check_command(as_json: bool) -> None:
    """Report pages missing from the index and indexed pages that are gone (exit 1 if any)."""
    result = check_index()
    db.session.rollback()
    record("index.check", outcome="ok" if result.ok else "failed",
           details={"missing": len(result.missing), "stale": len(result.stale)})
    db.session.commit()
    if as_json:
        click.echo(json.dumps({"ok": result.ok, "missing": result.missing[:1000], "stale": result.stale[:1000]}))
    else:
        click.echo(f"{len(result.missing)} pages missing from the index, {len(result.stale)} indexed but gone")
    if not result.ok:
        sys.exit(1)
