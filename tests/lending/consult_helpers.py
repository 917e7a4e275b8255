"""Driving consultations and loans over HTTP, as the archivists' and the reading room's pages do."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from PIL import Image

from archive.idnumbers import make_id_number
from tests.conftest import login
from tests.helpers import csrf_token
from tests.lending.helpers import NUMBER

ZONE = ZoneInfo("Asia/Shanghai")
NEW_PASSWORD = "Reader#pass2026"
PERSONS = [("李文华", make_id_number("110105", dt.date(1980, 5, 4), 21)),
           ("赵明", make_id_number("110106", dt.date(1985, 8, 9), 33))]


def letter_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 60), (250, 250, 250)).save(buffer, "PNG")
    return buffer.getvalue()


def local(moment: dt.datetime) -> str:
    """A naive UTC moment as the archive's wall-clock time in a datetime-local field."""
    return moment.replace(tzinfo=dt.UTC).astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def consultation_data(materials: list[int] | None = None, *, persons=PERSONS, start: dt.datetime | None = None,  # type: ignore[no-untyped-def]
                      end: dt.datetime | None = None, letter: bytes | None = None, **extra: object) -> dict:
    start = start or now() - dt.timedelta(hours=1)
    end = end or now() + dt.timedelta(hours=3)
    data: dict[str, object] = {
        "unit": "区纪委监委第三审查调查室", "handler_name": "钱经办",
        "handler_id_number": make_id_number("110108", dt.date(1975, 1, 2), 45),
        "purpose": "discipline", "scope": "materials" if materials else "whole",
        "materials": [str(m) for m in materials or []],
        "window_start": local(start), "window_end": local(end),
        "letter": (io.BytesIO(letter if letter is not None else letter_png()), "letter.png"),
    }
    for n, (name, number) in enumerate(persons):
        data[f"persons-{n}-name"], data[f"persons-{n}-id_number"] = name, number
    data.update(extra)
    return data


def register_consultation(client: FlaskClient, archive_no: str, **kwargs: object):  # type: ignore[no-untyped-def]
    path = f"/lending/consultations/new?file={archive_no}"
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, **consultation_data(**kwargs)},  # type: ignore[arg-type]
                       content_type="multipart/form-data")


def number_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    match = NUMBER.search(response.headers["Location"])
    assert match
    return match.group(0)


def post(client: FlaskClient, path: str, form_path: str, **data: object):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_token(client, form_path), **data})


def open_consultation(client: FlaskClient, number: str) -> list[tuple[str, str]]:
    """The archivist opens it; the (user name, one-time password) pairs shown once."""
    response = post(client, f"/lending/requests/{number}/open", f"/lending/requests/{number}")
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    page = response.get_data(as_text=True)
    users = re.findall(r'data-testid="issued-username">([^<]+)<', page)
    passwords = re.findall(r'data-testid="issued-password">([^<]+)<', page)
    assert len(users) == len(passwords) >= 2
    return list(zip(users, passwords, strict=True))


def reader(app, username: str, password: str) -> FlaskClient:  # type: ignore[no-untyped-def]
    """The consulting person logs in with the one-time password and chooses their own."""
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    changed = post(client, "/account/password", "/account/password", current=password, new=NEW_PASSWORD,
                   confirm=NEW_PASSWORD)
    assert changed.status_code == 302, changed.get_data(as_text=True)[:2000]
    return client
