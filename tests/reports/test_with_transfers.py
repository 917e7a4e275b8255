"""The reports read the transfers domain: files still expected from 名册, and storeroom fill."""

from __future__ import annotations

import datetime as dt
import json

from archive.extensions import db
from archive.reports.progress import dashboard
from archive.reports.settings import settings_from
from archive.roles import Role
from archive.transfers import operations as ops
from tests.conftest import login
from tests.transfers.helpers import person, write_csv


def _batch(app, tmp_path):  # type: ignore[no-untyped-def]
    """A 名册 of four: three for Xicheng's streets (one of them with a 副本), one routed to 海淀."""
    rows = [person("张三", hukou=("西城", "德胜")), person("李四", hukou=("西城", "德胜"), volumes=(1, 1)),
            person("王五", hukou=("西城", "月坛"), volumes=(2, 0)),
            person("赵六", region="110108", hukou=("海淀", ""))]
    with app.app_context():
        ops.create_storeroom("一库", rows=1, racks=1, shelves=2, cells=5, cell_capacity=1)
        batch = ops.open_batch("北京第一机床厂", "central", contact="王红")
        assert ops.import_roster(batch, write_csv(tmp_path / "名册.csv", rows)).ok
        entries = {e.name: e for e in batch.entries}
        ops.receive_entry(entries["张三"], "received")
        db.session.commit()
        return batch.id, {name: e.id for name, e in entries.items()}


def _board(app, street=None):  # type: ignore[no-untyped-def]
    with app.app_context():
        return dashboard(settings_from(app.config), street=street, today=dt.date(2020, 7, 1))


def test_dashboard_counts_the_roster_rows_still_expected(app, tmp_path):
    _batch(app, tmp_path)
    board = _board(app)
    central = board.levels[0]
    assert central.level == "central"
    # 赵六 goes to 海淀 (an outgoing transfer, not ours); 张三 arrived and is a catalogue file now
    assert (central.counts.expected, central.counts.received) == (3, 1)
    assert board.streets["德胜"].expected == 2 and board.streets["德胜"].received == 1
    assert board.streets["月坛"].expected == 1 and board.streets["月坛"].received == 0
    assert [(e, c.expected, c.received) for e, _lv, c in board.enterprises] == [("北京第一机床厂", 3, 1)]
    assert _board(app, street="月坛").total.expected == 1


def test_a_missing_file_stays_owed_after_the_batch_closes(app, tmp_path):
    batch_id, entries = _batch(app, tmp_path)
    from archive.transfers.models import RosterEntry, TransferBatch

    with app.app_context():
        ops.receive_entry(db.session.get(RosterEntry, entries["李四"]), "received")
        ops.receive_entry(db.session.get(RosterEntry, entries["王五"]), "missing")
        ops.receive_entry(db.session.get(RosterEntry, entries["赵六"]), "received")  # arrived, to pass on
        ops.close_batch(db.session.get(TransferBatch, batch_id))
        db.session.commit()
    board = _board(app)
    assert (board.total.expected, board.total.received) == (3, 2)  # the dashboard still shows the gap
    out = json.loads(app.test_cli_runner().invoke(args=["report", "planning", "--json"]).output)
    assert out["assumptions"]["expected_files"] == 0  # …but the plan counts open batches only


def test_planning_counts_the_open_batches(app, tmp_path):
    _batch(app, tmp_path)
    out = json.loads(app.test_cli_runner().invoke(args=["report", "planning", "--json"]).output)
    a = out["assumptions"]
    assert (a["expected_files"], a["expected_volumes"]) == (2, 2 + 2)  # 李四 1 + 1, 王五 2
    assert (a["held_files"], a["held_volumes"]) == (1, 1)
    assert out["district"]["volumes"] == 1 + 4
    streets = {s["street"]: s for s in out["streets"]}
    assert streets["德胜"]["retirees"] == 2 and streets["月坛"]["retirees"] == 1


def test_storeroom_fill_on_the_dashboard(app, client, factory, tmp_path):
    _batch(app, tmp_path)
    login(client, factory.user(Role.ARCHIVIST).username)
    html = client.get("/reports/progress").get_data(as_text=True)
    assert 'data-testid="chart-storerooms"' in html
    assert html.count('data-testid="storeroom-row"') == 1 and "10.0 %" in html  # 1 of 10 places
    street = app.test_client()
    login(street, factory.user(Role.ARCHIVIST, "德胜").username)
    assert 'data-testid="storeroom-row"' not in street.get("/reports/progress").get_data(as_text=True)
