"""Local mode, as the README starts it: `bash .ci/dashboard.sh` serves this computer only, and
asking it for a network address without sign-in stops it before it serves anything."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.helpers import ROOT, free_port

REFUSAL = "The dashboard will not listen on address 0.0.0.0 without sign-in"


def other_addresses() -> list[str]:
    """This machine's IPv4 addresses that are not loopback, from `ip -4 addr`; 127.0.0.2 stands
    in on a machine with none (loopback too, but not the address the dashboard binds)."""
    try:
        out = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        out = ""
    found = [a for a in re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/", out) if not a.startswith("127.")]
    return found or ["127.0.0.2"]


def accepts(address: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex((address, port)) == 0


def readme_command(*args: str, database: Path) -> subprocess.Popen:
    """The README's command, with a port of its own and a store of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    return subprocess.Popen(["bash", ".ci/dashboard.sh", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_the_readme_command_serves_this_computer_only(tmp_path):
    port = free_port()
    process = readme_command("--server.port", str(port), database=tmp_path / "impact.sqlite")
    try:
        deadline = time.monotonic() + 90
        while not accepts("127.0.0.1", port):
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "the dashboard did not start in 90 s"
            time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as r:
            assert r.read() == b"ok"
        for address in other_addresses():
            assert not accepts(address, port), f"reachable on {address}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_a_network_address_without_sign_in_exits_with_the_reason(tmp_path, how):
    port = free_port()
    args = ["--server.port", str(port)]
    if how == "flag":
        args += ["--server.address", "0.0.0.0"]
        process = readme_command(*args, database=tmp_path / "impact.sqlite")
    else:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'impact.sqlite'}",
               "STREAMLIT_SERVER_ADDRESS": "0.0.0.0"}
        process = subprocess.Popen(["bash", ".ci/dashboard.sh", *args], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output, _ = process.communicate(timeout=90)
    assert process.returncode == 2, output
    assert REFUSAL in output and ".streamlit/secrets.toml" in output
    assert not accepts("127.0.0.1", port)
    assert not (tmp_path / "impact.sqlite").exists()  # it never opened the store
