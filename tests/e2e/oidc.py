"""A real OpenID Connect provider for the sign-in tests, and the dashboard's [auth] secrets for it.

oidc-provider-mock runs in-process on a free port: its login form takes the account (the
`sub`), and PUT /users/<sub> sets the claims its ID tokens carry (here the e-mail address).
"""

from __future__ import annotations

import json
import secrets
import urllib.request
from contextlib import contextmanager
from pathlib import Path

CLIENT_ID = "impact-dashboard"
CLIENT_SECRET = "test-client-secret"


@contextmanager
def provider():
    """The provider's base URL while it runs."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # authlib's deprecation notices inside the mock
        from oidc_provider_mock import run_server_in_thread
    with run_server_in_thread(port=0) as server:
        yield f"http://localhost:{server.server_port}"


def define_user(base: str, sub: str, email: str, name: str = "") -> None:
    """The claims the provider puts in this account's ID token."""
    body = json.dumps({"email": email, "name": name or email}).encode()
    request = urllib.request.Request(f"{base}/users/{sub}", data=body, method="PUT",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204


def write_secrets(folder: Path, dashboard_port: int, provider_base: str) -> Path:
    """A secrets.toml whose [auth] section points the dashboard at the provider."""
    path = folder / "secrets.toml"
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{dashboard_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider_base}/.well-known/openid-configuration"\n'
    )
    return path
