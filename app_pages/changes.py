"""Changes a page makes to the access list and the settings: the administrator's only, audited.

Not a page. The upload flow's changes (import, undo) are in upload_flow.py, the sample's in
sample.py.
"""

from __future__ import annotations

from analysis import access, access_store
from analysis.schema import Settings
from app_pages import identity
from app_pages.loads import _directory, audit, current_version, get_store, require_administrator, settings


def add_person(entry: access.Person) -> str:
    """Put someone on the access list (or change their entry), checked against the stored schools."""
    require_administrator("change who may sign in")
    data = _directory(current_version())
    clients = set(data.schools.loc[data.schools["role"].str.lower() == "client", "urn"])
    return access_store.add_person(get_store(), entry, identity.who(), clients)


def remove_person(email: str) -> str:
    require_administrator("change who may sign in")
    return access_store.remove_person(get_store(), email, identity.who())


def save_settings(new: Settings) -> None:
    """Save the settings (the store refuses values outside their limits) and audit the change."""
    require_administrator("change the settings")
    before = settings()
    get_store().save_settings(new)
    changed = [f"{k}: {v} -> {new.as_dict()[k]}" for k, v in before.as_dict().items()
               if new.as_dict()[k] != v]
    audit("settings", "; ".join(changed) or "saved unchanged")
