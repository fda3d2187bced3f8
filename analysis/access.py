"""Who may see and do what: the roles, one person's entry on the access list, the local-mode rule.

Pure: no database and no Streamlit. The store keeps the list (analysis/access_store.py), the
scope (analysis/scope.py) turns an entry into the rows and pages that person receives.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from analysis.schema import normalise_name

TRUST_LEADER = "trust_leader"
ADMINISTRATOR = "administrator"
SYSTEM_LEADER = "system_leader"
GOVERNOR = "governor"

# How a person reads each role.
ROLE_WORDS = {  # most people first: the administrator's form starts on governor
    GOVERNOR: "Governor",
    SYSTEM_LEADER: "System leader",
    TRUST_LEADER: "Trust leader",
    ADMINISTRATOR: "Administrator",
}

# The pages, by the file name in app_pages/ (without .py).
OVERVIEW, SCHOOL, DEPLOYMENTS, PRESENT = "overview", "school", "deployments", "present"
UPLOAD, SETTINGS, PEOPLE = "upload", "settings", "people"
# The visit record form; the administrator's QA queue, agreed plan and corrections (issue 11).
VISITS, QA, PLAN = "visits", "qa", "plan"
ALL_PAGES = frozenset({OVERVIEW, SCHOOL, DEPLOYMENTS, PRESENT, UPLOAD, SETTINGS, PEOPLE, VISITS,
                       QA, PLAN})

# Trust-wide views (overview, the deployments register, the trust pack) are for these two only.
TRUST_WIDE_ROLES = frozenset({TRUST_LEADER, ADMINISTRATOR})
ROLE_PAGES: dict[str, frozenset[str]] = {
    ADMINISTRATOR: ALL_PAGES,
    # Every school and page, read-only administration: the users and audit page without its
    # forms, the QA queue without Check and Return; uploading, undo, settings, backups and QA
    # itself stay with the administrator.
    TRUST_LEADER: frozenset({OVERVIEW, SCHOOL, DEPLOYMENTS, PRESENT, PEOPLE, QA}),
    SYSTEM_LEADER: frozenset({SCHOOL, PRESENT, VISITS}),
    GOVERNOR: frozenset({SCHOOL, PRESENT}),
}

# Who checks, returns and undoes visit records on the QA queue; anyone else who may open the
# page (the trust leader) reads it only. app_pages/visit_work.py refuses the steps to others.
QUALITY_ASSURERS = frozenset({ADMINISTRATOR})


def may_quality_assure(person: Person) -> bool:
    return person.role in QUALITY_ASSURERS


# A role as a sentence names its holders; in the order the refusal lists them.
ROLE_PLURALS = {
    GOVERNOR: "governors",
    SYSTEM_LEADER: "system leaders",
    TRUST_LEADER: "trust leaders",
    ADMINISTRATOR: "administrators",
}


def roles_for(page: str) -> list[str]:
    """The roles whose people may open a page, most people first (ROLE_WORDS' order)."""
    return [role for role in ROLE_WORDS if page in ROLE_PAGES[role]]


def page_refusal(person: Person, page: str, title: str,
                 school_names: dict[str, str] | None = None) -> str:
    """The sentence for a page outside someone's role (a governor opening /upload by URL): who
    the page is for, and who they are signed in as. school_names: URN -> name, the person's own
    schools only (a governor is told their school's name, never another's)."""
    holders = [ROLE_PLURALS[r] for r in roles_for(page)]
    whom = (" and ".join(holders) if len(holders) < 3
            else ", ".join(holders[:-1]) + " and " + holders[-1])
    if person.role == GOVERNOR:
        names = school_names or {}
        mine = " and ".join(names.get(urn, urn) for urn in person.schools)
        you = f"a governor of {mine}"
    elif person.role == SYSTEM_LEADER:
        you = f"a system leader ({person.leader})"
    else:
        you = f"{'an' if person.role == ADMINISTRATOR else 'a'} {ROLE_WORDS[person.role].lower()}"
    if not holders:
        return f"The {title} page is not open to anyone; you are signed in as {you}."
    return f"The {title} page is for {whom}; you are signed in as {you}."


# What the audit log records, in words.
ACTION_WORDS = {
    "sign_in": "Signed in",
    "refused": "Signed in, not on the access list",
    "view_school": "Viewed a school",
    "download": "Downloaded",
    "upload": "Uploaded",
    "undo": "Undid an upload",
    "clear": "Emptied the store",
    "restore": "Restored a backup",
    "settings": "Changed the settings",
    "user_added": "Added or changed a user",
    "user_removed": "Removed a user",
    "audit_export": "Exported the audit log",
    "visit_recorded": "Recorded a visit",
    "visit_qa": "Quality-assured a visit record",
    "edit": "Corrected a record in the app",
    "plan": "Recorded the agreed plan",
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOCAL_EMAIL = "local"


@dataclass(frozen=True)
class Person:
    """One entry on the access list. `schools` for governors; `leader` (the name written in the
    deployments sheet) for system leaders."""

    email: str
    role: str
    schools: tuple[str, ...] = field(default=())
    leader: str = ""

    @property
    def trust_wide(self) -> bool:
        return self.role in TRUST_WIDE_ROLES

    @property
    def pages(self) -> frozenset[str]:
        return ROLE_PAGES.get(self.role, frozenset())

    def describe(self) -> str:
        """'Governor of 990201' / 'System leader (A. Shah)' / 'Administrator'."""
        words = ROLE_WORDS.get(self.role, self.role)
        if self.role == GOVERNOR:
            return f"{words} of {', '.join(self.schools)}"
        if self.role == SYSTEM_LEADER:
            return f"{words} ({self.leader})"
        return words


# With no [auth] configured the dashboard is one person's tool on one computer: that person
# uploads and quality-assures, so they are the administrator (docs/choices.md).
LOCAL_ADMINISTRATOR = Person(LOCAL_EMAIL, ADMINISTRATOR)


def normalise_email(text: object) -> str:
    """E-mail addresses compare without case or surrounding spaces."""
    return str(text or "").strip().lower()


def parse_role(text: str) -> str | None:
    """'governor', 'System leader', 'system-leader' -> the role's key; None when not a role."""
    key = re.sub(r"[\s-]+", "_", str(text).strip().lower())
    return key if key in ROLE_WORDS else None


def entry_problem(person: Person, client_urns: set[str] | None = None) -> str | None:
    """One sentence saying what is wrong with an access-list entry, or None when it is fine.

    client_urns: the client schools stored, so a governor is never named for a school that the
    store does not hold (a mistyped URN would give them an empty page)."""
    if not _EMAIL.match(person.email):
        return f"{person.email or 'The address'!r} is not an e-mail address."
    if person.role not in ROLE_WORDS:
        return (f"{person.role!r} is not a role: use one of "
                f"{', '.join(r.replace('_', '-') for r in ROLE_WORDS)}.")
    if person.role == GOVERNOR:
        if not person.schools:
            return "A governor needs the URN of their school (--school URN)."
        unknown = sorted(set(person.schools) - client_urns) if client_urns is not None else []
        if unknown:
            return (f"No client school with URN {', '.join(unknown)} is stored: upload the "
                    "schools first, or check the URN.")
    elif person.schools:
        return "Only a governor is named for particular schools."
    if person.role == SYSTEM_LEADER and not normalise_name(person.leader):
        return ("A system leader needs their name as the deployments sheet writes it "
                "(--leader NAME): they see the client schools of those deployments.")
    if person.role != SYSTEM_LEADER and person.leader:
        return "Only a system leader is named as a deployment's leader."
    return None


def is_loopback(address: str | None) -> bool:
    """Whether a listening address is reachable only from this computer."""
    if not address:
        return False  # Streamlit's default: every network interface
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def address_problem(address: str | None, sign_in_configured: bool) -> str | None:
    """The sentence refusing to serve beyond this computer without sign-in; None when allowed."""
    if sign_in_configured or is_loopback(address):
        return None
    where = f"address {address}" if address else "every network address"
    return (f"The dashboard will not listen on {where} without sign-in: anyone on the network "
            "could open every school's pupil data. Either run it for this computer only "
            "(server.address = \"127.0.0.1\", the default in .streamlit/config.toml) or configure "
            "sign-in: copy .streamlit/secrets.example.toml to .streamlit/secrets.toml and fill in "
            "its [auth] section (docs/deploying.md, \"Sign-in\").")
