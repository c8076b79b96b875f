"""Dashboard routes, mounted at the site root beside ``/api/`` and ``/auth/``."""

from __future__ import annotations

from django.urls import path

from trainwave.server.dashboard import (
    audit_views,
    key_views,
    member_views,
    session_views,
    sso_views,
)

app_name = "dashboard"

urlpatterns = [
    path("", session_views.start, name="start"),
    path("sign-in/", session_views.sign_in, name="sign_in"),
    path("sign-in/sso/", session_views.sso_sign_in, name="sso_sign_in"),
    path("sign-out/", session_views.sign_out, name="sign_out"),
    path(
        "organization/",
        session_views.switch_organization,
        name="switch_organization",
    ),
    path("settings/api-keys/", key_views.key_list, name="keys"),
    path("settings/api-keys/new/", key_views.key_new, name="key_new"),
    path("settings/api-keys/<str:key_id>/", key_views.key_detail, name="key_detail"),
    path(
        "settings/api-keys/<str:key_id>/created/",
        key_views.key_created,
        name="key_created",
    ),
    path(
        "settings/api-keys/<str:key_id>/revoke/",
        key_views.key_revoke,
        name="key_revoke",
    ),
    path(
        "settings/api-keys/<str:key_id>/rotate/",
        key_views.key_rotate,
        name="key_rotate",
    ),
    path("settings/audit-log/", audit_views.audit_log, name="audit"),
    path("settings/sso/", sso_views.sso_list, name="sso"),
    path("settings/sso/add/", sso_views.sso_add, name="sso_add"),
    path(
        "settings/sso/<str:connection_id>/toggle/",
        sso_views.sso_toggle,
        name="sso_toggle",
    ),
    path(
        "settings/sso/<str:connection_id>/delete/",
        sso_views.sso_delete,
        name="sso_delete",
    ),
    path("settings/members/", member_views.member_list, name="members"),
    path("settings/members/add/", member_views.member_add, name="member_add"),
    path(
        "settings/members/<str:user_id>/role/",
        member_views.member_role,
        name="member_role",
    ),
    path(
        "settings/members/<str:user_id>/remove/",
        member_views.member_remove,
        name="member_remove",
    ),
]
