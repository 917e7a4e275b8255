"""The progress dashboard's counts against factory-built files, its scope, its page and its export."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from archive.reports.progress import dashboard
from archive.reports.settings import settings_from
from archive.roles import Role
from tests.conftest import login


def _board(app, today=dt.date(2020, 8, 1), **kwargs):  # type: ignore[no-untyped-def]
    with app.app_context():
        return dashboard(settings_from(app.config), today=today, **kwargs)


def test_every_stage_is_counted(app, stages):
    board = _board(app)
    assert board.total.as_dict() == {"expected": 5, "received": 5, "catalogued": 4, "digitised": 3, "accepted": 1,
                                     "transferred": 1}
    levels = {lp.level: lp.counts.as_dict() for lp in board.levels}
    assert levels["central"] == {"expected": 1, "received": 1, "catalogued": 0, "digitised": 0, "accepted": 0,
                                 "transferred": 0}
    assert levels["municipal"] == {"expected": 2, "received": 2, "catalogued": 2, "digitised": 1, "accepted": 0,
                                   "transferred": 0}
    assert levels["district"] == {"expected": 2, "received": 2, "catalogued": 2, "digitised": 2, "accepted": 1,
                                  "transferred": 1}
    assert board.streets["德胜"].as_dict()["received"] == 2 and board.streets["德胜"].transferred == 1
    assert board.streets["月坛"].as_dict() == {"expected": 3, "received": 3, "catalogued": 3, "digitised": 3,
                                             "accepted": 1, "transferred": 0}
    assert set(board.streets) >= {"西长安街", "广安门外"}  # every street shows, with nothing yet too
    enterprises = {(e, lv): c.received for e, lv, c in board.enterprises}
    assert enterprises == {("西城服装厂", "district"): 2, ("燕京啤酒厂", "municipal"): 2,
                           ("北京第一机床厂", "central"): 1}


def test_levels_against_the_work_plan_and_deadlines(app, stages):
    board = _board(app)
    central, municipal, district = board.levels
    assert (central.target, municipal.target, district.target) == (40_000, 60_000, 20_000)
    assert district.deadline == dt.date(2020, 9, 30) and central.deadline == dt.date(2020, 12, 31)
    assert district.days_left == 60 and district.state == "behind"  # 2 of 20,000, two thirds of the time gone
    later = _board(app, today=dt.date(2020, 10, 1))
    assert [lp.state for lp in later.levels] == ["behind", "behind", "overdue"]


def test_deadlines_and_targets_are_configurable(app, stages):
    app.config["DANGAN_REPORTS_TARGETS"] = "district=2"
    app.config["DANGAN_REPORTS_DEADLINES"] = "central=2021-06-30"
    try:
        board = _board(app)
    finally:
        del app.config["DANGAN_REPORTS_TARGETS"], app.config["DANGAN_REPORTS_DEADLINES"]
    central, _municipal, district = board.levels
    assert district.target == 2 and district.state == "done" and district.received_share == 1.0
    assert central.deadline == dt.date(2021, 6, 30)


def test_a_street_sees_its_street_only(app, stages):
    board = _board(app, street="德胜")
    assert set(board.streets) == {"德胜"}
    assert board.total.received == 2
    assert {e for e, _lv, _c in board.enterprises} == {"北京第一机床厂", "燕京啤酒厂", "西城服装厂"}
    assert sum(c.received for _e, _lv, c in board.enterprises) == 2


def test_the_page_shows_the_counts_and_charts(app, client, factory, stages):
    login(client, factory.user(Role.ARCHIVIST).username)
    html = client.get("/reports/progress").get_data(as_text=True)
    assert 'data-testid="chart-levels"' in html and 'data-testid="chart-streets"' in html
    assert html.count("<svg") >= 3 and "<script" not in html.split("<main>")[1]
    assert "西城服装厂" in html and "月坛" in html


def test_a_street_archivist_page_and_export_hold_no_other_street(app, client, factory, stages):
    login(client, factory.user(Role.ARCHIVIST, "德胜").username)
    html = client.get("/reports/progress").get_data(as_text=True)
    assert "月坛" not in html
    response = client.get("/reports/progress.xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    cells = {str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None}
    assert "德胜" in cells and "月坛" not in cells


def test_the_export_holds_the_figures(app, client, factory, stages):
    login(client, factory.user(Role.APPROVER).username)
    response = client.get("/reports/progress.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("sheet")
    wb = load_workbook(io.BytesIO(response.data))
    assert len(wb.sheetnames) == 3
    levels = [[c.value for c in row] for row in wb.worksheets[0].iter_rows(min_row=2)]
    district = next(r for r in levels if r[7] == 20_000)
    assert district[1:7] == [2, 2, 2, 2, 1, 1]
    streets = {r[0].value: [c.value for c in r[1:]] for r in wb.worksheets[1].iter_rows(min_row=2)}
    assert streets["月坛"] == [3, 3, 3, 3, 1, 0]
    enterprises = {r[0].value for r in wb.worksheets[2].iter_rows(min_row=2)}
    assert {"北京第一机床厂", "燕京啤酒厂", "西城服装厂"} <= enterprises


def test_other_roles_are_refused(app, client, factory, stages):
    for role in (Role.ADMIN, Role.AUDITOR):
        c = app.test_client()
        login(c, factory.user(role).username)
        assert c.get("/reports/progress").status_code == 403
        assert c.get("/reports/progress.xlsx").status_code == 403
