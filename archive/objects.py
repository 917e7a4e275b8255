"""The app's object store, built once from ``DANGAN_STORAGE_URL`` (see :mod:`storage`), and serving its objects.

Objects are streamed from the store to the response in chunks: a 200 MB original never sits in the
server's memory, and a ranged request (a browser seeking in a large image, a resumed download) is
answered with 206 from the same stream.

With ``DANGAN_OBJECT_PRESIGN_SECONDS`` > 0 and an S3 store that the browsers can reach, the app
instead answers with a redirect to a presigned URL of that many seconds: the bytes (and ranged
requests) then go from S3 to the browser without passing through the app.  The read is audited
before the URL is made, as for a streamed object.
"""

from __future__ import annotations

import datetime as dt

from flask import Response, abort, current_app, redirect, request, send_file

from storage import ObjectNotFound, ObjectStore, StorageError, open_store

__all__ = ["get_store", "serve_object"]


def get_store() -> ObjectStore:
    """The object store of the current app (local folder by default, S3 in a district deployment)."""
    store = current_app.extensions.get("dangan.store")
    if store is None:
        store = current_app.extensions["dangan.store"] = open_store(current_app.config["DANGAN_STORAGE_URL"])
    return store


def serve_object(key: str, mimetype: str, *, download_name: str | None = None, etag: str | None = None) -> Response:
    """Stream ``key`` to the client: 404 if the store has no such object, 503 if the store is down.

    Personal data: the response is never cached (``private, no-store``).  The caller audits the read
    before calling this (an unaudited byte must never leave).
    """
    store = get_store()
    seconds = int(current_app.config.get("DANGAN_OBJECT_PRESIGN_SECONDS", 0) or 0)
    if seconds > 0:
        try:
            url = store.presigned_url(key, expires=dt.timedelta(seconds=seconds), content_type=mimetype,
                                      download_name=download_name)
        except StorageError:
            abort(503)
        if url is not None:
            response = redirect(url, code=302)
            response.headers["Cache-Control"] = "private, no-store"  # the URL is a short-lived credential
            return response
    try:
        stream, info = store.open_with_info(key)
    except ObjectNotFound:
        abort(404)
    except StorageError:
        abort(503)
    response = send_file(stream, mimetype=mimetype, as_attachment=download_name is not None,
                         download_name=download_name, etag=etag or info.sha256 or False, conditional=False,
                         last_modified=info.modified)
    response.content_length = info.size
    # After the length is known, so that werkzeug can answer Range and If-None-Match itself.
    response = response.make_conditional(request.environ, accept_ranges=True, complete_length=info.size)
    response.headers["Cache-Control"] = "private, no-store"
    return response
