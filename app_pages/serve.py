"""Start the dashboard, refusing to listen beyond this computer while sign-in is not configured.

`bash .ci/dashboard.sh` runs this (`python -m app_pages.serve [streamlit run options]`). It lets
Streamlit read its configuration exactly as `streamlit run` does (config.toml files, command-line
flags, STREAMLIT_* variables, secrets files), then checks the listening address before the
server binds a port: a refused start exits with status 2 and the sentence, having served nothing.
Not a page: dashboard.py lists the pages explicitly.
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit import config
from streamlit.runtime.secrets import secrets_singleton
from streamlit.web import bootstrap, cli

from analysis.access import address_problem

DASHBOARD = Path(__file__).resolve().parent.parent / "dashboard.py"
REFUSED = 2


def sign_in_configured() -> bool:
    """Whether a secrets file Streamlit reads holds an [auth] section."""
    try:
        return bool(secrets_singleton.load_if_toml_exists() and "auth" in secrets_singleton)
    except FileNotFoundError:
        return False


def _checked_run(main_script_path, is_hello, args, flag_options, **kwargs) -> None:
    """bootstrap.run, after Streamlit has loaded its options and before the server binds."""
    problem = address_problem(config.get_option("server.address"), sign_in_configured())
    if problem:
        print(problem, file=sys.stderr)
        sys.exit(REFUSED)
    _streamlit_run(main_script_path, is_hello, args, flag_options, **kwargs)


_streamlit_run = bootstrap.run


def main(argv: list[str]) -> None:
    """`streamlit run dashboard.py ARGV...` with the address check in front of the server."""
    bootstrap.run = _checked_run
    cli.main(["run", str(DASHBOARD), *argv], prog_name="streamlit")


if __name__ == "__main__":
    main(sys.argv[1:])
