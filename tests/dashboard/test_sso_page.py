"""Settings → Single sign-on: owners manage connections, admins read them."""

from __future__ import annotations

import json

from tests.conftest import Account
from tests.dashboard.conftest import PageClient, text_of
from trainwave.server.audit.models import AuditEvent
from trainwave.server.sso.models import SsoConnection

OIDC_SETTINGS = json.dumps(
    {"issuer": "https://idp.corp.example", "client_id": "trainwave"}
)
SECRET = "client-secret-canary-4411"


def add_connection(pages: PageClient, **overrides: str):
    form = {
        "name": "Corp IdP",
        "protocol": "oidc",
        "email_domains": "corp.example, lab.corp.example",
        "default_role": "member",
        "settings": OIDC_SETTINGS,
        "secrets": json.dumps({"client_secret": SECRET}),
        "group_roles": json.dumps({"ml-admins": "admin"}),
        **overrides,
    }
    return pages.submit("/settings/sso/add/", form)


def test_owner_adds_connection(pages: PageClient, owner: Account) -> None:
    pages.sign_in(owner)

    response = add_connection(pages)
    listing = text_of(pages.get("/settings/sso/"))

    assert response.status_code == 302
    connection = SsoConnection.objects.get()
    assert connection.protocol == "oidc"
    assert "corp.example" in listing
    assert "client_secret" in listing
    assert SECRET not in listing
    assert AuditEvent.objects.filter(action="sso.connection_created").exists()


def test_bad_settings_shown_next_to_field(pages: PageClient, owner: Account) -> None:
    pages.sign_in(owner)

    response = add_connection(pages, settings="not json")

    assert response.status_code == 400
    assert "Settings is not valid JSON." in text_of(response)
    assert not SsoConnection.objects.exists()


def test_service_rules_apply(pages: PageClient, owner: Account) -> None:
    pages.sign_in(owner)

    response = add_connection(
        pages, settings=json.dumps({"issuer": "file:///etc/passwd", "client_id": "x"})
    )

    assert response.status_code == 400
    assert not SsoConnection.objects.exists()


def test_toggle_and_delete(pages: PageClient, owner: Account) -> None:
    pages.sign_in(owner)
    add_connection(pages)
    connection = SsoConnection.objects.get()

    pages.submit(f"/settings/sso/{connection.id}/toggle/", {})
    disabled = SsoConnection.objects.get().enabled
    pages.submit(f"/settings/sso/{connection.id}/delete/", {})

    assert disabled is False
    assert not SsoConnection.objects.exists()


def test_admin_reads_but_cannot_add(
    pages: PageClient, owner: Account, add_member
) -> None:
    admin = add_member(owner.organization, "admin")
    pages.sign_in(admin)

    listing = pages.get("/settings/sso/")
    response = add_connection(pages)

    assert listing.status_code == 200
    assert "Add a connection" not in text_of(listing)
    assert response.status_code == 403
    assert not SsoConnection.objects.exists()


def test_member_cannot_see_page(pages: PageClient, owner: Account, add_member) -> None:
    member = add_member(owner.organization, "member")
    pages.sign_in(member)

    assert pages.get("/settings/sso/").status_code == 403
