"""Every pager links to its own page: routes with arguments (档号, user name) keep them (issue 8 item 19)."""

from __future__ import annotations

from archive.audit.recorder import record
from archive.extensions import db
from archive.roles import Role
from tests.conftest import login


def _many_events(app, file, clerk, n: int = 60) -> None:
    with app.test_request_context():
        for _ in range(n):
            record("file.view", file=file, user=clerk)
        db.session.commit()


def test_file_timeline_and_user_activity_page_through(app, client, factory):
    file = factory.file("德胜")
    clerk = factory.user(Role.ARCHIVIST)
    _many_events(app, file, clerk)
    auditor = factory.user(Role.AUDITOR)
    login(client, auditor.username)
    for url in (f"/audit/files/{file.archive_no}", f"/audit/users/{clerk.username}"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert 'rel="next"' in page
        next_url = page.split('" rel="next"')[0].rsplit('href="', 1)[1]
        next_url = next_url.replace("&amp;", "&")
        assert next_url.startswith(url) and "page=2" in next_url
        second = client.get(next_url)
        assert second.status_code == 200
        assert 'rel="prev"' in second.get_data(as_text=True)


def test_events_and_flags_pagers_keep_the_filter(app, client, factory):
    file = factory.file("德胜")
    clerk = factory.user(Role.ARCHIVIST)
    _many_events(app, file, clerk)
    auditor = factory.user(Role.AUDITOR)
    login(client, auditor.username)
    page = client.get(f"/audit/?user={clerk.username}").get_data(as_text=True)
    href = page.split('" rel="next"')[0].rsplit('href="', 1)[1].replace("&amp;", "&")
    assert f"user={clerk.username}" in href and "page=2" in href
    assert client.get(href).status_code == 200


def test_outcomes_read_as_words_not_codes(app, client, factory):
    """Issue 8 item 22 (in part): the log's outcome codes are shown translated; the code stays in data-outcome."""
    from tests.helpers import post_form

    file = factory.file("德胜")
    clerk = factory.user(Role.ARCHIVIST)
    _many_events(app, file, clerk, n=2)
    auditor = factory.user(Role.AUDITOR)
    login(client, auditor.username)
    post_form(client, "/", "/language", locale="en")
    page = client.get(f"/audit/?user={clerk.username}").get_data(as_text=True)
    table = page.split('data-testid="events"')[1]
    assert 'data-outcome="ok">Succeeded</span>' in table and ">ok</span>" not in table


def test_events_name_the_person_not_only_the_account(app, client, factory):
    file = factory.file("德胜")
    clerk = factory.user(Role.ARCHIVIST)
    _many_events(app, file, clerk, n=2)
    auditor = factory.user(Role.AUDITOR)
    login(client, auditor.username)
    table = client.get(f"/audit/?user={clerk.username}").get_data(as_text=True).split('data-testid="events"')[1]
    assert f'data-testid="event-user">{clerk.display_name}</a>' in table
