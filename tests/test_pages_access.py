"""Sign-in and roles on the pages (qi_dash/ui/signin.py, admin.py), with Streamlit's own
``st.user`` faked by AppTest: local mode, a viewer, a team member and an administrator."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from qi_dash.access import Grant, Role, command_line
from qi_dash.store import Store
from qi_dash.ui.signin import LOCAL_MODE
from tests.apptest import TIMEOUT, UPLOAD, no_errors
from tests.builders import csv_bytes
from tests.conftest import REPO

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-secret",
        "client_id": "qi-dash", "client_secret": "secret",
        "server_metadata_url": "http://localhost:9400/.well-known/openid-configuration"}
GRANTS = [Grant("admin@example.org", Role.ADMINISTRATOR), Grant("ash@example.org", Role.MEMBER, "W-ASH"),
          Grant("viewer@example.org", Role.VIEWER)]
ADMIN = "pages/10_Admin.py"


@pytest.fixture
def app(demo_db, monkeypatch):
    """Open a page signed in as ``email`` (None: not signed in; ``local``: no sign-in configured)."""
    store = Store.open(demo_db)
    store.save_grants(GRANTS, by=command_line("test"))
    store.close()
    monkeypatch.setenv("QI_DASH_DB", str(demo_db))
    monkeypatch.delenv("QI_DASH_REQUIRE_SIGN_IN", raising=False)
    monkeypatch.chdir(REPO)

    def open_page(page: str = "app.py", email: str | None = None, local: bool = False, **query: str) -> AppTest:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
        if not local:
            at.secrets["auth"] = AUTH
            at.user = {"is_logged_in": True, "email": email, "name": email} if email else {"is_logged_in": False}
        at.query_params.update(query)
        if page != "app.py":
            at.switch_page(page)
        return no_errors(at.run())

    return open_page


def plain(markdown: str) -> str:
    """Markdown-escaped text (an identity in a code span) as it reads on screen."""
    return re.sub(r"`+ (.*?) `+", r"\1", markdown.replace("\\", ""))


def captions(at: AppTest) -> list[str]:
    return [plain(c.value) for c in at.caption]


def page_links(at: AppTest) -> list[str]:
    return [link.proto.label for link in at.get("page_link")]


def test_with_no_sign_in_configured_the_app_says_it_is_in_local_mode_and_everyone_administers(app):
    at = app(local=True)
    assert LOCAL_MODE in captions(at)
    assert "Admin" in page_links(at)
    assert not [b for b in at.button if b.label in ("Sign in", "Sign out")]


def test_someone_not_signed_in_can_view_and_is_offered_sign_in_but_cannot_upload(app):
    at = app()
    assert any(b.label == "Sign in" for b in at.button)
    assert "Admin" not in page_links(at)
    upload = app(UPLOAD)
    assert plain(upload.info[0].value) == "Sign in to upload data."
    assert not upload.get("file_uploader")
    history = app("pages/5_Uploads.py")
    assert "Sign in to upload data or undo uploads." in captions(history)
    assert "undo_choice" not in [s.key for s in history.selectbox]


def test_a_deployment_can_require_sign_in_for_viewing(app, monkeypatch):
    monkeypatch.setenv("QI_DASH_REQUIRE_SIGN_IN", "1")
    at = app("pages/1_Team.py", team="W-ASH")
    assert at.info[0].value == "Sign in to see the dashboards."
    assert not at.get("plotly_chart")
    stranger = app("pages/1_Team.py", email="stranger@example.org", team="W-ASH")
    assert "have no role yet" in stranger.info[0].value
    assert app("pages/1_Team.py", email="viewer@example.org", team="W-ASH").get("plotly_chart")


def test_a_viewer_sees_charts_but_cannot_upload_and_is_told_why(app):
    at = app("pages/1_Team.py", email="viewer@example.org", team="W-ASH")
    assert at.get("plotly_chart")
    assert "Signed in as viewer@example.org · viewer" in captions(at)
    upload = app(UPLOAD, email="viewer@example.org")
    assert plain(upload.info[0].value).startswith("viewer@example.org may not upload data. Their roles: viewer.")
    assert not upload.get("file_uploader")


def test_a_member_uploads_for_their_team_only_and_the_history_names_them(app, demo_db):
    at = app(UPLOAD, email="Ash@Example.org")
    assert "You can upload for Ash Ward; rows for other teams are refused." in captions(at)
    both = csv_bytes("Ash Ward,PRN,2025-11-01,,,4,", "Birch Ward,PRN,2025-11-01,,,5,")
    at.get("file_uploader")[0].set_value(("wards.csv", both, "text/csv")).run()
    no_errors(at)
    shown = at.dataframe[-1].value.to_string()
    assert "may not upload data for Birch Ward (row 3)" in shown
    assert not [b for b in at.button if b.label.startswith("Save")]

    at.get("file_uploader")[0].set_value(("ash.csv", csv_bytes("Ash Ward,PRN,2025-11-01,,,4,"), "text/csv")).run()
    next(b for b in at.button if b.label.startswith("Save 1 change")).click().run()
    no_errors(at)
    history = app("pages/5_Uploads.py", email="ash@example.org")
    newest = history.dataframe[0].value.iloc[0]
    assert (newest["Who"], newest["File"]) == ("ash@example.org", "ash.csv")
    # Their own upload is theirs to undo; the demo's uploads are not.
    assert list(history.selectbox(key="undo_choice").options) == [f"{newest['Upload']}: ash.csv (1 added, 0 changed)"]


def test_the_admin_page_is_for_administrators_only(app):
    member = app(ADMIN, email="ash@example.org")
    assert "Admin" not in page_links(member)
    assert plain(member.info[0].value).startswith("ash@example.org may not grant and revoke roles.")
    assert not member.get("arrow_data_frame") and not member.get("data_editor")

    admin = app(ADMIN, email="admin@example.org")
    assert "Admin" in page_links(admin)
    table = admin.dataframe[0].value
    assert table["identity"].tolist() == ["admin@example.org", "ash@example.org", "viewer@example.org"]


def test_a_new_install_with_no_roles_yet_offers_an_empty_roles_table(demo_db, monkeypatch):
    monkeypatch.setenv("QI_DASH_DB", str(demo_db))
    monkeypatch.chdir(REPO)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=TIMEOUT)
    at.switch_page(ADMIN)
    at = no_errors(at.run())
    (editor,) = at.dataframe
    assert editor.value.empty and editor.value.columns.tolist() == ["identity", "role", "unit"]


def test_an_administrator_replaces_the_roles_from_a_csv_and_a_bad_row_is_named(app, demo_db):
    at = app(ADMIN, email="admin@example.org")
    bad = b"identity,role,unit\nadmin@example.org,administrator,\nbirch@example.org,team member,Nowhere Ward\n"
    at.get("file_uploader")[0].set_value(("roles.csv", bad, "text/csv")).run()
    at.button(key="grants_file_save").click().run()
    no_errors(at)
    assert "roles.csv, row 3, column unit: 'Nowhere Ward' is not one team" in plain(at.error[0].value)

    good = b"identity,role,unit\nadmin@example.org,administrator,\nbirch@example.org,team member,Birch Ward\n"
    at.get("file_uploader")[0].set_value(("roles.csv", good, "text/csv")).run()
    at.button(key="grants_file_save").click().run()
    no_errors(at)
    assert at.success[0].value == "Roles saved: 1 granted, 2 revoked."
    store = Store.open(demo_db)
    assert store.grants() == [Grant("admin@example.org", Role.ADMINISTRATOR), Grant("birch@example.org", Role.MEMBER, "W-BIR")]
    store.close()
