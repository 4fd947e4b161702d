"""Sign-in in a real browser against a real OpenID Connect provider (``oidc-provider-mock``,
started here): a viewer sees charts but cannot upload; a member of Ash Ward uploads for Ash
Ward and not for Birch Ward, and the upload history names them; an administrator can undo."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from qi_dash.access import Grant, Role, command_line
from qi_dash.store import Store
from tests.e2e.app_server import charts_drawn, free_port, running_app, settle

GRANTS = [Grant("admin@example.org", Role.ADMINISTRATOR), Grant("ash@example.org", Role.MEMBER, "W-ASH"),
          Grant("viewer@example.org", Role.VIEWER)]


@pytest.fixture(scope="module")
def provider(tmp_path_factory) -> Iterator[str]:
    """The mock OIDC provider on loopback until the module's tests are done; its URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("idp") / "idp.log"
    url = f"http://127.0.0.1:{port}"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=1).status == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "The OIDC provider did not start:\n" + log.read_text()
                time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            process.wait(10)


@pytest.fixture(scope="module")
def app(provider, demo_db_file, tmp_path_factory) -> Iterator[str]:
    """The app with sign-in configured against the provider, on a copy of the demo database
    with roles granted; its URL spelt with ``localhost``, as its redirect URI is (the
    identity cookie belongs to one host spelling)."""
    folder = tmp_path_factory.mktemp("signin")
    db = folder / "qi_dash.duckdb"
    shutil.copy(demo_db_file, db)
    store = Store.open(db)
    store.save_grants(GRANTS, by=command_line("test"))
    store.close()
    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        'cookie_secret = "a-test-cookie-secret"\nclient_id = "qi-dash"\nclient_secret = "qi-dash-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')
    with running_app(db, folder / "streamlit.log", secrets=secrets, port=port):
        yield f"http://localhost:{port}"


def sign_in(page: Page, app: str, identity: str) -> None:
    """Sign in through the provider's own page, as a person would."""
    page.goto(app)
    settle(page, timeout=120_000)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('input[name="sub"]', timeout=30_000)
    page.fill('input[name="sub"]', identity)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(r"^http://localhost:\d+/"), timeout=30_000)
    settle(page, timeout=60_000)
    expect(page.get_by_text(f"Signed in as {identity}")).to_be_visible(timeout=30_000)


def test_a_viewer_sees_the_charts_but_cannot_upload(page, app):
    sign_in(page, app, "viewer@example.org")
    page.goto(f"{app}/Team?team=W-ASH")
    settle(page, timeout=60_000)
    charts_drawn(page, timeout=60_000)
    page.goto(f"{app}/Upload")
    settle(page)
    expect(page.get_by_text("viewer@example.org may not upload data. Their roles: viewer.")).to_be_visible()
    assert page.locator('input[type="file"]').count() == 0
    assert page.get_by_role("link", name="Admin").count() == 0


def test_a_member_uploads_for_their_ward_not_another_and_the_history_names_them(page, app, tmp_path):
    both = tmp_path / "wards.csv"
    both.write_text("team,measure,period,numerator,denominator,value,comment\n"
                    "W-ASH,PRN,01/11/2025,,,4,\nW-BIR,PRN,01/11/2025,,,5,\n")
    ash = tmp_path / "ash.csv"
    ash.write_text("team,measure,period,numerator,denominator,value,comment\nW-ASH,PRN,01/11/2025,,,4,\n")
    sign_in(page, app, "ash@example.org")
    page.goto(f"{app}/Upload")
    settle(page)
    expect(page.get_by_text("You can upload for Ash Ward")).to_be_visible()
    page.set_input_files('input[type="file"]', str(both))
    expect(page.get_by_text(re.compile("may not upload data for Birch Ward")).first).to_be_visible(timeout=30_000)
    assert page.get_by_role("button", name=re.compile(r"^Save")).count() == 0

    page.set_input_files('input[type="file"]', str(ash))
    page.get_by_role("button", name=re.compile(r"Save 1 change")).click()
    expect(page.get_by_text("Saved ash.csv: 1 added, 0 updated, 0 unchanged.")).to_be_visible(timeout=30_000)
    page.goto(f"{app}/Uploads")
    settle(page)
    # The upload was recorded as theirs (no name typed anywhere): it is the one upload they may undo.
    expect(page.get_by_text("other upload(s) need an administrator to undo")).to_be_visible()
    expect(page.get_by_role("combobox", name="Upload to undo")).to_have_value(re.compile(r"^\d+: ash\.csv"))
    expect(page.get_by_text("Undo an upload")).to_be_visible()


def test_an_administrator_can_undo_an_upload(page, app):
    sign_in(page, app, "admin@example.org")
    assert page.get_by_role("link", name="Admin").count() == 1
    page.goto(f"{app}/Uploads")
    settle(page)
    page.get_by_text("I understand this reverts the values this upload changed").click()
    page.get_by_role("button", name="Undo upload").click()
    expect(page.get_by_text(re.compile(r"^Undid upload \d+"))).to_be_visible(timeout=60_000)
