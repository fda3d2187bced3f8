"""The command line: `python -m analysis report|validate|import|history|undo|backup|restore|...`.

Also settings, pack, users (the access list) and audit (the audit log).

A thin shell over analysis/: read arguments, call one function, print. Anything a user can get
wrong (a missing file, a bad row, an undo out of order) ends with exit status 2 and the problem
in plain words on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.schema import Settings

# Each command imports what it uses when it runs (pandas, the store, the pack's PDF and charts):
# `--help` and a mistyped command load none of it (1.1 s -> ~0.1 s).
if TYPE_CHECKING:
    from analysis.store import Store

USAGE_ERROR = 2


class CommandError(Exception):
    """A problem to print on stderr before exiting with status 2."""


def _read_check_exists(path: str) -> None:
    # read_paths reads a folder's spreadsheets too, so only a path that is not there is an error.
    if not Path(path).exists():
        raise CommandError(f"No such file: {path}")


def _start_reading(paths: list[str]):
    """The files' parse begun on analysis.readers' thread, before pandas is loaded: pandas and
    the store then load while the first file is parsed (0.4 s of a 200,000-row import)."""
    for path in paths:
        _read_check_exists(path)
    from analysis.readers import ParseAhead

    return ParseAhead.on_disk(paths)


def _read(parsing):
    """The started read as an Upload; CommandError listing every problem if any."""
    from analysis.ingest import read_parsed
    from analysis.upload_log import problem_lines

    upload = read_parsed(parsing)
    if len(upload.problems):
        raise CommandError("\n".join(
            [f"{len(upload.problems)} problem(s) in the files:"] + problem_lines(upload.problems)))
    return upload


def _store(args) -> Store:
    from analysis.store import Store

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
    parsing = _start_reading(args.paths) if args.paths else None
    from analysis.report import build_report, dataset_from_upload, render_text, write_json

    if parsing is not None:
        dataset, settings = dataset_from_upload(_read(parsing)), Settings()
    else:
        store = _store(args)
        dataset, settings = store.load(), store.get_settings()
    report = build_report(dataset, settings)
    if args.format == "json":
        # Written as it is encoded: at 500 schools the text is ~55 MB, never held whole.
        write_json(report, sys.stdout)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(report))
    return 0


def cmd_validate(args) -> int:
    parsing = _start_reading(args.paths)
    import os

    import pandas as pd

    from analysis.ingest import read_parsed
    from analysis.store import Store
    from analysis.upload_log import problem_lines

    upload = read_parsed(parsing)
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
    for line in problem_lines(upload.notices):
        print(f"Note: {line}")
    if len(problems):
        print(f"{len(problems)} problem(s) found:", file=sys.stderr)
        for line in problem_lines(problems):
            print(line, file=sys.stderr)
        return USAGE_ERROR
    counts = ", ".join(f"{len(frame):,} {kind}" for kind, frame in upload.frames.items())
    print(f"No problems found in {len(args.paths)} file(s): {counts or 'no records'}.")
    return 0


def cmd_import(args) -> int:
    parsing = _start_reading(args.paths)
    from analysis.store import StoreError  # SQLAlchemy loads while the first file is parsed

    upload = _read(parsing)  # pandas too; the store is opened only for files without problems
    store = _store(args)
    preview = store.preview(upload)
    for line in preview["detail"]:
        print(f"  {line}")
    try:
        result = store.import_upload(upload, args.user)
    except StoreError as exc:
        if exc.problems is not None and len(exc.problems):
            from analysis.upload_log import problem_lines

            raise CommandError("\n".join([exc.message] + problem_lines(exc.problems))) from exc
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
    message = store.restore_backup(args.file, replace=args.replace, user=_who(args))
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
    status = _run_pack(args)
    if status == 0 and not args.paths:  # a pack built from files never touched the store
        _audit(args, _store(args), "download", f"Pack written to {args.out or args.zip}",
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


# ---- the pack command (the PDF is analysis/pack.py; moved here from it) ----------------------

def _setup_pack(parser: argparse.ArgumentParser) -> None:
    """The `pack` subcommand's options, in analysis/__main__.py's style (`--db`, optional paths)."""
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="spreadsheets to build from; none = the store")
    parser.add_argument("--school", metavar="URN",
                        help="the client school's URN; leave out for the trust-wide pack")
    parser.add_argument("--out", metavar="FILE.pdf", help="where to write the PDF (without "
                        "--school: the board's pack, a summary and the exception schools)")
    parser.add_argument("--zip", metavar="FILE.zip",
                        help="also write every client school's full pack into one zip")
    parser.add_argument("--full", action="store_true",
                        help="without --school: every school's full sections in one PDF")
    parser.add_argument("--period", help="the period printed on every page (default: latest)")
    parser.add_argument("--since", metavar="DD/MM/YYYY",
                        help="open the pack with what moved since this meeting date")
    parser.add_argument("--tables", metavar="FILE.xlsx",
                        help="also write the tables behind the pack as a workbook")
    parser.add_argument("--db", metavar="URL", default=None,
                        help="database URL (default: DATABASE_URL, else data/impact.sqlite)")


def _run_pack(args: argparse.Namespace) -> int:
    """`python -m analysis pack --school URN --out F.pdf`: write the pack; 0, or 2 with a message."""
    import time

    from analysis import exports, pack

    started = time.perf_counter()
    if getattr(args, "paths", None):
        from analysis.ingest import read_paths
        from analysis.report import dataset_from_upload

        upload = read_paths(args.paths)
        if len(upload.problems):
            print(f"{len(upload.problems)} problem(s) in the files; run `python -m analysis "
                  "validate` on them to see each one.", file=sys.stderr)
            return 2
        dataset, settings = dataset_from_upload(upload), Settings()
    else:
        from analysis.store import Store

        store = Store(getattr(args, "db", None))
        school = str(args.school).strip().zfill(6) if getattr(args, "school", None) else None
        # One school's pack reads only that school's rows (filtered in SQL).
        dataset = store.load(urns=[school] if school else None)
        settings = store.get_settings()
    period = None
    if getattr(args, "period", None):
        from analysis.periods import try_parse_period

        period = try_parse_period(args.period)
        if period is None:
            print(f"'{args.period}' is not a period; write it like '2024/25 Spring 2'.",
                  file=sys.stderr)
            return 2
    urn = str(args.school).strip().zfill(6) if getattr(args, "school", None) else None
    if not getattr(args, "out", None) and not getattr(args, "zip", None):
        print("Say where to write the pack: --out FILE.pdf, or --zip FILE.zip for every "
              "school's full pack.", file=sys.stderr)
        return 2
    since = None
    if getattr(args, "since", None):
        import datetime as dt

        try:
            meeting = dt.datetime.strptime(args.since.strip(), "%d/%m/%Y").date()
        except ValueError:
            print(f"'{args.since}' is not a date; write it like 15/02/2025.", file=sys.stderr)
            return 2
        if not urn and getattr(args, "full", False):
            print("--since goes with --school or the board's pack (without --full).",
                  file=sys.stderr)
            return 2
        from analysis import since as since_mod

        then = (since_mod.then_dataset(store, dataset, meeting) if not getattr(args, "paths", None)
                else since_mod.dated_by(dataset, meeting))
        # One school: its sentences; the board: the meeting and what governors could see then.
        since = ((meeting, since_mod.what_moved(then, dataset, urn, settings, meeting)) if urn
                 else (meeting, then))
    from analysis import board_pack

    try:
        if not getattr(args, "out", None):
            data = None
        elif urn:
            data = pack.build_school_pack(dataset, settings, urn, period, since=since)
        elif getattr(args, "full", False):
            data = pack.build_trust_pack(dataset, settings, period)
        else:
            data = board_pack.build_board_pack(dataset, settings, period, since=since)
        packs = (board_pack.build_school_packs_zip(dataset, settings, period,
                                                   urns=[urn] if urn else None)
                 if getattr(args, "zip", None) else None)
    except pack.PackError as error:
        print(f"Cannot build the pack: {error}.", file=sys.stderr)
        return 2
    if packs is not None:
        Path(args.zip).write_bytes(packs)
        print(f"Full packs written to {args.zip} ({len(packs) / 1024:.0f} KB)")
    if data is None:
        return 0
    Path(args.out).write_bytes(data)
    if getattr(args, "tables", None):
        Path(args.tables).write_bytes(exports.to_xlsx_bytes(pack.pack_tables(dataset, settings, urn)))
        print(f"Tables written to {args.tables}")
    print(f"Pack written to {args.out} ({len(data) / 1024:.0f} KB, "
          f"{time.perf_counter() - started:.1f} s)")
    return 0


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
             _setup_pack, lambda args: cmd_pack(args)),
}


def _pack_module():
    from analysis import pack

    return pack


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the command named in argv gets its options (the pack's need its module),
    so `--help` and the other commands never import the PDF and chart libraries."""
    words = sys.argv[1:] if argv is None else argv
    wanted = next((w for w in words if not w.startswith("-")), None)
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, setup, _run) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        if name == wanted:
            setup(command)
    return parser


def main(argv: list[str] | None = None, store_options: dict | None = None) -> int:
    """Run one command; the exit status. store_options: keyword arguments for the Store the
    command opens (e.g. lock_timeout, on_phase), for a test that stops a real process at a phase."""
    args = build_parser(argv).parse_args(argv)
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
    except Exception as exc:
        if isinstance(exc, _worded_errors(args.command)):
            print(str(exc), file=sys.stderr)
        elif isinstance(exc, FileNotFoundError):
            missing = Path(str(exc.filename or ""))
            if exc.filename and not missing.parent.exists():  # `--out` into a folder not there
                print(f"No such folder: {missing.parent} (for {missing})", file=sys.stderr)
            else:
                print(f"No such file: {exc.filename}", file=sys.stderr)
        elif isinstance(exc, OSError):
            print(f"Cannot use {exc.filename or 'the file'}: {exc.strerror or exc}",
                  file=sys.stderr)
        else:
            raise
    return USAGE_ERROR


def _worded_errors(command: str) -> tuple[type[BaseException], ...]:
    """The errors a command ends with in words on stderr. The store's is looked up, not
    imported: a command that never loaded the store cannot have raised it, and an import's
    parse begins before the store loads (_start_reading)."""
    errors: list[type[BaseException]] = [CommandError]
    store = sys.modules.get("analysis.store")
    if store is not None:
        errors.append(store.StoreError)
    if command == "pack":
        errors.append(_pack_module().PackError)
    return tuple(errors)


if __name__ == "__main__":
    sys.exit(main())
