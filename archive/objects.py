"""The app's object store, built once from ``DANGAN_STORAGE_URL`` (see :mod:`storage`)."""

from __future__ import annotations

from flask import current_app

from storage import ObjectStore, open_store

__all__ = ["get_store"]


def get_store() -> ObjectStore:
    """The object store of the current app (local folder by default, S3 in a district deployment)."""
    store = current_app.extensions.get("dangan.store")
    if store is None:
        store = current_app.extensions["dangan.store"] = open_store(current_app.config["DANGAN_STORAGE_URL"])
    return store
