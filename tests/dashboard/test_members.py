"""Settings → Members: adding accounts, changing roles and removing members."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Account
from tests.dashboard.conftest import PageClient, text_of
from trainwave.server.accounts.models import Membership, User
from trainwave.server.audit.models import AuditEvent


def role_of(account: Account) -> str:
    return Membership.objects.get(
        user=account.user, organization=account.organization
    ).role


def test_member_list(
    signed_in: PageClient, owner: Account, add_member: Callable[..., Account]
) -> None:
    viewer = add_member(owner.organization, "viewer")

    html = text_of(signed_in.get("/settings/members/"))

    assert viewer.email in html
    assert "Add a member" in html


def test_add_existing_account(signed_in: PageClient, owner: Account) -> None:
    User.objects.create_user("new@example.com", "correct horse battery staple")

    response = signed_in.submit(
        "/settings/members/add/", {"email": "New@Example.com", "role": "member"}
    )

    assert response["Location"] == "/settings/members/"
    assert Membership.objects.filter(
        organization=owner.organization, user__email="new@example.com", role="member"
    ).exists()
    assert AuditEvent.objects.filter(action="member.added").count() == 1


def test_add_unknown_email(signed_in: PageClient) -> None:
    response = signed_in.submit(
        "/settings/members/add/", {"email": "ghost@example.com", "role": "member"}
    )

    html = text_of(response)
    assert response.status_code == 200
    assert 'id="id_email_error"' in html
    assert "ask the person to sign up first" in html


def test_add_twice(
    signed_in: PageClient, owner: Account, add_member: Callable[..., Account]
) -> None:
    member = add_member(owner.organization, "member")

    response = signed_in.submit(
        "/settings/members/add/", {"email": member.email, "role": "viewer"}
    )

    assert "already a member" in text_of(response)


def test_change_role(
    signed_in: PageClient, owner: Account, add_member: Callable[..., Account]
) -> None:
    member = add_member(owner.organization, "member")

    signed_in.submit(f"/settings/members/{member.user.pk}/role/", {"role": "admin"})

    assert role_of(member) == "admin"
    assert AuditEvent.objects.filter(action="member.role_changed").count() == 1


def test_admin_cannot_make_owner(
    pages: PageClient, owner: Account, add_member: Callable[..., Account]
) -> None:
    admin = add_member(owner.organization, "admin")
    member = add_member(owner.organization, "member")
    pages.sign_in(admin)

    response = pages.submit(
        f"/settings/members/{member.user.pk}/role/", {"role": "owner"}
    )

    assert response.status_code == 400
    assert role_of(member) == "member"


def test_admin_cannot_remove_owner(
    pages: PageClient, owner: Account, add_member: Callable[..., Account]
) -> None:
    pages.sign_in(add_member(owner.organization, "admin"))

    response = pages.submit(f"/settings/members/{owner.user.pk}/remove/")

    assert response.status_code == 403
    assert role_of(owner) == "owner"


def test_last_owner_stays(signed_in: PageClient, owner: Account) -> None:
    response = signed_in.submit(f"/settings/members/{owner.user.pk}/remove/")

    assert response.status_code == 409
    assert "at least one owner" in text_of(response)
    assert role_of(owner) == "owner"


def test_last_owner_not_editable(signed_in: PageClient) -> None:
    html = text_of(signed_in.get("/settings/members/"))

    assert "(the only owner)" in html
    assert "/remove/" not in html


def test_remove_asks_first(
    signed_in: PageClient, owner: Account, add_member: Callable[..., Account]
) -> None:
    member = add_member(owner.organization, "member")

    response = signed_in.get(f"/settings/members/{member.user.pk}/remove/")

    assert "Remove member" in text_of(response)
    assert role_of(member) == "member"


def test_remove(
    signed_in: PageClient, owner: Account, add_member: Callable[..., Account]
) -> None:
    member = add_member(owner.organization, "member")

    response = signed_in.submit(f"/settings/members/{member.user.pk}/remove/")

    assert response["Location"] == "/settings/members/"
    assert not Membership.objects.filter(user=member.user).exists()


def test_member_cannot_manage(
    pages: PageClient, owner: Account, add_member: Callable[..., Account]
) -> None:
    pages.sign_in(add_member(owner.organization, "member"))
    User.objects.create_user("new@example.com", "correct horse battery staple")

    page = text_of(pages.get("/settings/members/"))
    response = pages.submit(
        "/settings/members/add/", {"email": "new@example.com", "role": "admin"}
    )

    assert "Add a member" not in page
    assert response.status_code == 403
    assert Membership.objects.filter(user__email="new@example.com").count() == 0


def test_unknown_member_not_found(signed_in: PageClient) -> None:
    response = signed_in.get("/settings/members/usr_nobody/remove/")

    assert response.status_code == 404
