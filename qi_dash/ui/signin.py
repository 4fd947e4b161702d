"""Sign-in with Streamlit's own ``st.login`` (OpenID Connect, configured under ``[auth]`` in
``.streamlit/secrets.toml``), and the ``Actor`` every form acts as.

With no ``[auth]`` configured the app runs in local mode: no sign-in, everyone the local user,
an administrator (the demo, a laptop), and the sidebar says so. With sign-in configured,
anyone may view unless the deployment requires sign-in (``QI_DASH_REQUIRE_SIGN_IN=1`` or
``require_sign_in = true`` under ``[qi_dash]`` in the secrets); what a signed-in person may
change is what the grants on the Admin page give them (``qi_dash.access``).
"""

from __future__ import annotations

import os
import re

import streamlit as st

from qi_dash import access
from qi_dash.access import Actor, Right
from qi_dash.ui import session
from qi_dash.ui.widgets import markdown_text

LOCAL_MODE = "Local mode — no sign-in; everyone is an administrator."
NOT_SIGNED_IN = "not signed in"
_TRUE = {"1", "true", "yes", "on"}


def _secrets_section(name: str) -> dict:
    # With no secrets file at all, reading st.secrets raises rather than being empty.
    try:
        return dict(st.secrets.get(name) or {})
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


def shown(identity: str) -> str:
    """An identity for markdown, as a code span: shown as it is, and not made a mailto link
    as an email in text would be. The fence is longer than any run of backticks in it
    (CommonMark's rule), so nothing in it ends the span."""
    fence = "`" * (max((len(run) for run in re.findall("`+", identity)), default=0) + 1)
    return f"{fence} {identity} {fence}"


def sign_in_configured() -> bool:
    return bool(_secrets_section("auth"))


def sign_in_required() -> bool:
    """Whether viewing needs sign-in too (and a role): set by the deployment."""
    setting = os.environ.get("QI_DASH_REQUIRE_SIGN_IN") or str(_secrets_section("qi_dash").get("require_sign_in", ""))
    return sign_in_configured() and setting.strip().lower() in _TRUE


def actor() -> Actor:
    """Who is using the app: the local user (local mode), the signed-in identity with its
    grants, or someone not signed in (no roles)."""
    if not sign_in_configured():
        return access.local_user()
    if not st.user.get("is_logged_in"):
        return Actor(NOT_SIGNED_IN)
    identity = str(st.user.get("email") or st.user.get("sub") or "")
    return access.signed_in(identity, session.store().grants(), str(st.user.get("name") or ""))


def sidebar() -> Actor:
    """Who is signed in and the Sign in / Sign out control, in the sidebar; stops the page for
    someone who may not view it (sign-in required). Returns the actor."""
    who = st.session_state["_actor"] = actor()
    box = st.sidebar.container()
    if not sign_in_configured():
        box.caption(LOCAL_MODE)
        return who
    if who.signed_in:
        roles = ", ".join(r.value for r in who.roles) or "no role yet"
        named = f"{markdown_text(who.name)} ({shown(who.identity)})" if who.name != who.identity else shown(who.identity)
        box.caption(f"Signed in as {named} · {roles}")
        if box.button("Sign out", key="sign_out"):
            st.logout()
    else:
        box.caption("Not signed in: you can view; sign in to upload or record changes.")
        if box.button("Sign in", key="sign_in", type="primary"):
            st.login()
    if sign_in_required() and not access.can(who, Right.VIEW):
        st.info("Sign in to see the dashboards." if not who.signed_in else
                f"You are signed in as {shown(who.identity)} but have no role yet: "
                "an administrator can grant one on the Admin page.")
        st.stop()
    return who


def current() -> Actor:
    """The actor for this run (``sidebar`` set it on the page; else worked out again)."""
    found = st.session_state.get("_actor")
    return found if isinstance(found, Actor) else actor()


def refusal(right: Right, where: str = "") -> str:
    """Why the current actor cannot do ``right`` here, in words that say what to do, as
    markdown (the identity as ``shown``)."""
    who = current()
    if not who.signed_in and sign_in_configured():
        return markdown_text(f"Sign in to {right.value}{where}.")
    return f"{shown(who.identity)} {markdown_text(f'may not {right.value}{where}. {access.why(who)}')}"
