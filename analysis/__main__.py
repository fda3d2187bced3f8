"""The command line: `python -m analysis report|validate|import|history|undo|backup|restore|...`.

Also settings, pack, users (the access list) and audit (the audit log).

A thin shell over analysis/: read arguments, call one function, print. Anything a user can get
wrong (a missing file, a bad row, an undo out of order) ends with exit status 2 and the problem
in plain words on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path

import pandas as pd

from analysis import pack
from analysis.schema import Settings
from analysis.store import Store, StoreError

USAGE_ERROR = 2


class CommandError(Exception):
    """A problem to print on stderr before exiting with status 2."""


def _problem_lines(problems: pd.DataFrame) -> list[str]:
    """Each problem as `file, sheet, row R, column: message`."""
    lines = []
    for p in problems.to_dict("records"):
        where = [str(p.get("file") or "")]
        if p.get("sheet") is not None and not pd.isna(p.get("sheet")):
            where.append(str(p["sheet"]))
        if p.get("row") is not None and not pd.isna(p.get("row")):
            where.append(f"row {int(p['row'])}")
        message = str(p.get("message"))
        column = p.get("column")
        if column is not None and not pd.isna(column) and not message.startswith(f"{column}"):
            where.append(str(column))
        lines.append(f"{', '.join(w for w in where if w)}: {message}")
    return lines


def _read_check_exists(path: str) -> None:
    # read_paths reads a folder's spreadsheets too, so only a path that is not there is an error.
    if not Path(path).exists():
        raise CommandError(f"No such file: {path}")


def _read(paths: list[str]):
    """Read files into an Upload; CommandError listing every problem if any."""
    for path in paths:
        _read_check_exists(path)
    from analysis.ingest import read_paths

    upload = read_paths(paths)
    if len(upload.problems):
        raise CommandError("\n".join(
            [f"{len(upload.problems)} problem(s) in the files:"] + _problem_lines(upload.problems)))
    return upload


def _store(args) -> Store:
    return Store(args.db, **getattr(args, "store_options", {}))


def _who(args) -> str:
    """Who the audit log names for a command: the --user of an import, else the login name."""
    return getattr(args, "user", None) or f"{getpass.getuser()} (command line)"


def _audit(args, store: Store, action: str, detail: str, urn: str | None = None) -> None:
    """A line in the audit log for a command that changes the store or writes data out, as the
    dashboard's pages record theirs: the log is the one record of who did what, whatever the door."""
    from analysis import access_store

    access_store.record(store, _who(args), action, f"{detail} (command line)", urn)


# ---- subcommands: each takes the parsed arguments and returns the exit status ----------------

def cmd_report(args) -> int:
    from analysis.report import build_report, dataset_from_upload, render_text

    if args.paths:
        dataset, settings = dataset_from_upload(_read(args.paths)), Settings()
    else:
        store = _store(args)
        dataset, settings = store.load(), store.get_settings()
    report = build_report(dataset, settings)
    if args.format == "json":
        print(json.dumps(report, indent=2, allow_nan=False))
    else:
        sys.stdout.write(render_text(report))
    return 0


def cmd_validate(args) -> int:
    for path in args.paths:
        _read_check_exists(path)
    import os

    from analysis.ingest import read_paths

    upload = read_paths(args.paths)
    problems = upload.problems
    if args.db or os.environ.get("DATABASE_URL"):
        # References are checked against what is stored, as the import will check them.
        known = Store(args.db).load().known()
        problems = pd.concat([problems, upload.check_references(known)], ignore_index=True)
    elif "schools" in upload.frames:
        # No store named: the files must then be complete in themselves.
        problems = pd.concat([problems, upload.check_references()], ignore_index=True)
    else:
        print("Note: references to schools, deployments and targets were not checked; "
              "give --db to check them against the store.")
    for line in _problem_lines(upload.notices):
        print(f"Note: {line}")
    if len(problems):
        print(f"{len(problems)} problem(s) found:", file=sys.stderr)
        for line in _problem_lines(problems):
            print(line, file=sys.stderr)
        return USAGE_ERROR
    counts = ", ".join(f"{len(frame):,} {kind}" for kind, frame in upload.frames.items())
    print(f"No problems found in {len(args.paths)} file(s): {counts or 'no records'}.")
    return 0


def cmd_import(args) -> int:
    upload = _read(args.paths)
    store = _store(args)
    preview = store.preview(upload)
    for line in preview["detail"]:
        print(f"  {line}")
    try:
        result = store.import_upload(upload, args.user)
    except StoreError as exc:
        if exc.problems is not None and len(exc.problems):
            raise CommandError("\n".join([exc.message] + _problem_lines(exc.problems))) from exc
        raise
    _audit(args, store, "upload", result.message)
    print(result.message)
    return 0


def cmd_history(args) -> int:
    history = _store(args).history()
    if history.empty:
        print("No uploads yet.")
        return 0
    table = history.assign(
        created_at=history["created_at"].dt.strftime("%d/%m/%Y %H:%M UTC"),
        undone=history["undone"].map({True: "undone", False: ""}),
    )
    print(table.to_string(index=False))
    return 0


def cmd_undo(args) -> int:
    store = _store(args)
    message = store.undo(args.batch)
    _audit(args, store, "undo", message)
    print(message)
    return 0


def cmd_backup(args) -> int:
    store = _store(args)
    store.export_backup(args.file)
    _audit(args, store, "download", f"Backup of the whole store to {args.file}")
    print(f"Backed up the store to {args.file}.")
    return 0


def cmd_restore(args) -> int:
    _read_check_exists(args.file)
    store = _store(args)
    message = store.restore_backup(args.file, replace=args.replace)
    _audit(args, store, "restore", f"{message} From {args.file}")
    print(message)
    return 0


def cmd_settings(args) -> int:
    store = _store(args)
    if args.set:
        values = store.get_settings().as_dict()
        for item in args.set:
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep or key not in values:
                names = ", ".join(f.name for f in fields(Settings))
                raise CommandError(f"Unknown setting '{item}': write key=value, with key one of {names}")
            if key == "visits_counted":  # text: all / checked (Settings.problem checks it)
                values[key] = value.strip().lower()
                continue
            try:
                values[key] = int(value) if key == "small_cohort" else float(value)
            except ValueError as exc:
                raise CommandError(f"{key} must be a number, not '{value}'") from exc
        before = store.get_settings().as_dict()
        store.save_settings(Settings(**values))
        changed = [f"{k} {before[k]} -> {v}" for k, v in values.items() if before[k] != v]
        _audit(args, store, "settings", "; ".join(changed) or "saved unchanged")
    for key, value in store.get_settings().as_dict().items():
        print(f"{key} = {value}")
    return 0


def cmd_users(args) -> int:
    """The access list: add (or change) someone, list everyone, remove someone."""
    from analysis import access, access_store

    store = _store(args)
    if args.action == "list":
        people = access_store.people(store)
        if people.empty:
            print("Nobody is on the access list yet.")
            return 0
        for row in people.itertuples():
            entry = access.Person(row.email, row.role, tuple(filter(None, row.schools.split(", "))),
                                  row.leader)
            print(f"{row.email}  {entry.describe()}  (added {row.added_at} by {row.added_by})")
        return 0
    if args.action == "remove":
        print(access_store.remove_person(store, args.email, args.by))
        return 0
    role = access.parse_role(args.role or "")
    if role is None:
        roles = ", ".join(r.replace("_", "-") for r in access.ROLE_WORDS)
        raise CommandError(f"--role must be one of {roles}, not {args.role!r}.")
    schools = store.load().schools
    clients = set(schools.loc[schools["role"].str.lower() == "client", "urn"])
    entry = access.Person(args.email, role, tuple(args.school or ()), args.leader or "")
    print(access_store.add_person(store, entry, args.by, clients))
    return 0


def cmd_audit(args) -> int:
    """The audit log, newest first, as CSV to a file or the screen."""
    from analysis import access_store, exports

    log = access_store.audit_log(_store(args))
    if args.out:
        Path(args.out).write_bytes(exports.to_csv_bytes(log))
        print(f"Wrote {len(log)} audit line(s) to {args.out}.")
    else:
        print(log.to_string(index=False) if not log.empty else "Nothing has been recorded yet.")
    return 0


def cmd_pack(args) -> int:
    status = pack.run_pack_command(args)
    if status == 0 and not args.paths:  # a pack built from files never touched the store
        _audit(args, _store(args), "download", f"Pack written to {args.out}",
               getattr(args, "school", None))
    return status


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", default=None,
                        help="database URL (default: DATABASE_URL, else data/impact.sqlite)")


def _setup_report(p):
    p.add_argument("paths", nargs="*", metavar="PATH", help="spreadsheets; none = the store")
    p.add_argument("--format", choices=["json", "text"], default="json")
    _add_db(p)


def _setup_paths(p):
    p.add_argument("paths", nargs="+", metavar="PATH", help="CSV or XLSX files")


def _setup_validate(p):
    _setup_paths(p)
    _add_db(p)


def _setup_import(p):
    _setup_paths(p)
    _add_db(p)
    p.add_argument("--user", default=None, help="who is importing (default: your login name)")


def _setup_undo(p):
    p.add_argument("batch", type=int, metavar="BATCH", help="the upload number shown by history")
    _add_db(p)


def _setup_file(p):
    p.add_argument("file", metavar="FILE")
    _add_db(p)


def _setup_restore(p):
    _setup_file(p)
    p.add_argument("--replace", action="store_true", help="replace a store that holds data")


def _setup_settings(p):
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="change a setting")
    _add_db(p)


def _setup_users(p):
    p.add_argument("action", choices=["add", "list", "remove"])
    p.add_argument("email", nargs="?", metavar="EMAIL", help="the address they sign in with")
    p.add_argument("--role", help="governor, system-leader, trust-leader or administrator")
    p.add_argument("--school", action="append", metavar="URN",
                   help="a governor's school (repeat for more than one)")
    p.add_argument("--leader", metavar="NAME",
                   help="a system leader's name as the deployments sheet writes it")
    p.add_argument("--by", default=None, help="who makes the change (default: your login name)")
    _add_db(p)


def _setup_audit(p):
    p.add_argument("--out", metavar="FILE", help="write the log as CSV to FILE")
    _add_db(p)


# name -> (help, add arguments, run). Another module may add to it before main() runs.
COMMANDS: dict[str, tuple[str, Callable, Callable]] = {
    "report": ("print targets, measures and deployments (JSON or text)", _setup_report, cmd_report),
    "validate": ("check files and list every problem", _setup_validate, cmd_validate),
    "import": ("import files into the store as one upload", _setup_import, cmd_import),
    "history": ("list uploads", _add_db, cmd_history),
    "undo": ("undo an upload", _setup_undo, cmd_undo),
    "backup": ("write the whole store to one file", _setup_file, cmd_backup),
    "restore": ("load a backup into an empty store", _setup_restore, cmd_restore),
    "settings": ("show or change settings", _setup_settings, cmd_settings),
    "users": ("who may sign in: users add EMAIL --role ROLE [--school URN | --leader NAME], "
              "users list, users remove EMAIL", _setup_users, cmd_users),
    "audit": ("print the audit log, or write it as CSV with --out", _setup_audit, cmd_audit),
    "pack": ("build the governors' pack PDF (one school with --school, else trust-wide)",
             pack.add_pack_arguments, lambda args: cmd_pack(args)),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, setup, _run) in COMMANDS.items():
        setup(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: list[str] | None = None, store_options: dict | None = None) -> int:
    """Run one command; the exit status. store_options: keyword arguments for the Store the
    command opens (e.g. lock_timeout, on_phase), for a test that stops a real process at a phase."""
    args = build_parser().parse_args(argv)
    args.store_options = store_options or {}
    if getattr(args, "user", "") is None:
        args.user = getpass.getuser()
    if getattr(args, "by", "") is None:
        args.by = f"{getpass.getuser()} (command line)"
    if args.command == "users" and args.action != "list" and not args.email:
        print(f"users {args.action} needs the person's e-mail address.", file=sys.stderr)
        return USAGE_ERROR
    try:
        return COMMANDS[args.command][2](args)
    except (CommandError, StoreError, pack.PackError) as exc:
        print(str(exc), file=sys.stderr)
    except FileNotFoundError as exc:
        print(f"No such file: {exc.filename}", file=sys.stderr)
    except OSError as exc:
        print(f"Cannot use {exc.filename or 'the file'}: {exc.strerror or exc}", file=sys.stderr)
    return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
