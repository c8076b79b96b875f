"""Permissions and the roles that group them.

A permission is a ``resource:action`` string. A role is a named set of
permissions that a member holds in one organization. API keys carry their own
permissions, and a key's effective permissions are those intersected with its
owner's current role (see ``effective_permissions``).
"""

from __future__ import annotations

from collections.abc import Iterable

PERMISSIONS: dict[str, str] = {
    "jobs:read": "List and read the organization's jobs.",
    "jobs:write": "Create and cancel jobs.",
    "jobs:schedule": "Move jobs between statuses (for the scheduler).",
    "api_keys:read": "List and read your own API keys and their usage.",
    "api_keys:write": "Create, rename, rotate and revoke your own API keys.",
    "api_keys:admin": "Read, rotate and revoke every API key of the organization.",
    "members:read": "List the organization's members.",
    "members:write": "Invite members, change their roles and remove them.",
    "audit:read": "Read the organization's audit events.",
    "sso:read": "Read the organization's SSO connections (never their secrets).",
    "org:admin": "Change organization settings, SSO and key policy.",
}

OWNER = "owner"
ADMIN = "admin"
MEMBER = "member"
VIEWER = "viewer"

ROLES: dict[str, frozenset[str]] = {
    OWNER: frozenset(PERMISSIONS),
    ADMIN: frozenset(PERMISSIONS) - {"org:admin"},
    MEMBER: frozenset(
        {"jobs:read", "jobs:write", "api_keys:read", "api_keys:write", "members:read"}
    ),
    VIEWER: frozenset({"jobs:read", "api_keys:read", "members:read"}),
}

ROLE_CHOICES = [
    (OWNER, "Owner"),
    (ADMIN, "Admin"),
    (MEMBER, "Member"),
    (VIEWER, "Viewer"),
]

# Roles ordered from most to least privileged, for comparisons such as "an
# admin may not promote anyone to owner".
ROLE_RANK = {OWNER: 3, ADMIN: 2, MEMBER: 1, VIEWER: 0}


def role_permissions(role: str) -> frozenset[str]:
    """Return the permissions of ``role``; an unknown role has none."""
    return ROLES.get(role, frozenset())


def unknown_permissions(permissions: Iterable[str]) -> list[str]:
    """Return the entries of ``permissions`` that are not known permissions."""
    return sorted(set(permissions) - PERMISSIONS.keys())


def effective_permissions(
    role: str, granted: Iterable[str] | None = None
) -> frozenset[str]:
    """Return what a credential may do: the role's permissions, narrowed to
    ``granted`` when the credential (an API key) carries its own list."""
    allowed = role_permissions(role)
    if granted is None:
        return allowed
    return allowed & frozenset(granted)
