"""The app as configured (``.streamlit/config.toml``, as the README's run command starts it)
answers on this computer and on no other network interface."""

from __future__ import annotations

import shutil
import socket
import urllib.request
from urllib.parse import urlparse

import pytest

from tests.e2e.app_server import running_app


def outward_address() -> str:
    """This machine's address on its default route (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("198.51.100.1", 9))  # TEST-NET-2: only the route is looked up
        except OSError:
            pytest.skip("this machine has no network interface besides loopback")
        return probe.getsockname()[0]


def test_the_app_as_configured_listens_on_localhost_only(demo_db_file, tmp_path):
    outward = outward_address()
    assert not outward.startswith("127.")
    db = shutil.copy(demo_db_file, tmp_path / "qi_dash.duckdb")
    with running_app(db, tmp_path / "streamlit.log", address=None) as url:
        port = urlparse(url).port
        assert urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=5).status == 200
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((outward, port), timeout=5).close()
