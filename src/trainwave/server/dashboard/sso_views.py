"""Settings → Single sign-on: the organization's SSO connections.

Admins see the connections; owners add, enable, disable and delete them,
through the same use cases and checks as ``/api/v1/sso/connections/``.
Secrets are write-only here too: the page shows which are set, never them.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from pydantic import ValidationError as PydanticValidationError

from trainwave.server.audit.events import record_event
from trainwave.server.dashboard.access import dashboard_page, flash, principal_of
from trainwave.server.dashboard.pages import render_page
from trainwave.server.errors import Conflict, ValidationFailed
from trainwave.server.sso.connections import (
    connection_out,
    create_connection,
    get_connection,
)
from trainwave.server.sso.models import SsoConnection
from trainwave.server.sso.schemas import ConnectionIn

SECTION = "Single sign-on"
JSON_HELP = 'A JSON object, for example {"issuer": "https://idp.example.com"}.'


def parse_object(text: str, label: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise forms.ValidationError(f"{label} is not valid JSON.") from None
    if not isinstance(value, dict):
        raise forms.ValidationError(f"{label} must be a JSON object.")
    return value


class ConnectionForm(forms.Form):
    name = forms.CharField(max_length=150)
    protocol = forms.ChoiceField(
        choices=[
            ("oidc", "OpenID Connect"),
            ("saml", "SAML 2.0"),
            ("ldap", "LDAP / AD"),
        ]
    )
    email_domains = forms.CharField(
        max_length=2000, help_text="Comma-separated, for example corp.example.com."
    )
    default_role = forms.ChoiceField(
        choices=[("member", "Member"), ("viewer", "Viewer"), ("admin", "Admin")]
    )
    settings = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), help_text=JSON_HELP
    )
    secrets = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text='Write-only, for example {"client_secret": "..."}.',
    )
    group_roles = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text='IdP group to role, for example {"ml-admins": "admin"}.',
    )

    def clean_settings(self) -> dict[str, Any]:
        return parse_object(self.cleaned_data["settings"], "Settings")

    def clean_secrets(self) -> dict[str, Any]:
        return parse_object(self.cleaned_data["secrets"], "Secrets")

    def clean_group_roles(self) -> dict[str, Any]:
        return parse_object(self.cleaned_data["group_roles"], "Group roles")

    def clean_email_domains(self) -> list[str]:
        raw = self.cleaned_data["email_domains"]
        return [domain.strip() for domain in raw.split(",") if domain.strip()]


def sso_page(
    request: HttpRequest, form: ConnectionForm | None = None, status: int = 200
) -> HttpResponse:
    principal = principal_of(request)
    connections = (
        SsoConnection.objects.filter(organization_id=principal.organization_id)
        .prefetch_related("domains")
        .order_by("created_at", "id")
    )
    return render_page(
        request,
        "dashboard/sso.html",
        {
            "connections": [connection_out(connection) for connection in connections],
            "can_write": principal.has("org:admin"),
            "form": form or ConnectionForm(),
        },
        section=SECTION,
        status=status,
    )


@require_GET
@dashboard_page("sso:read")
def sso_list(request: HttpRequest) -> HttpResponse:
    return sso_page(request)


@require_POST
@dashboard_page("org:admin")
def sso_add(request: HttpRequest) -> HttpResponse:
    """Create a connection from the form; errors appear next to the fields."""
    form = ConnectionForm(request.POST)
    if not form.is_valid():
        return sso_page(request, form, status=400)
    principal = principal_of(request)
    try:
        payload = ConnectionIn(**form.cleaned_data)
        connection = create_connection(str(principal.organization_id), payload)
    except PydanticValidationError as error:
        form.add_error(None, "; ".join(str(e.get("msg", "")) for e in error.errors()))
        return sso_page(request, form, status=400)
    except (ValidationFailed, Conflict) as error:
        details = getattr(error, "details", None) or []
        for detail in details:
            field = str(detail.get("field", "")).split(".")[0]
            if field in form.fields:
                form.add_error(field, str(detail.get("message", error.message)))
        if not details:
            form.add_error(None, error.message)
        return sso_page(request, form, status=400)
    record_event(
        request,
        "sso.connection_created",
        target_type="sso_connection",
        target_id=connection.id,
        protocol=connection.protocol,
    )
    flash(request, f"Added the SSO connection {connection.name}.")
    return HttpResponseRedirect(reverse("dashboard:sso"))


@require_POST
@dashboard_page("org:admin")
def sso_toggle(request: HttpRequest, connection_id: str) -> HttpResponse:
    """Enable or disable a connection."""
    principal = principal_of(request)
    connection = get_connection(principal.organization_id, connection_id)
    connection.enabled = not connection.enabled
    connection.save(update_fields=["enabled"])
    record_event(
        request,
        "sso.connection_updated",
        target_type="sso_connection",
        target_id=connection.id,
        fields=["enabled"],
    )
    state = "enabled" if connection.enabled else "disabled"
    flash(request, f"The SSO connection {connection.name} is {state}.")
    return HttpResponseRedirect(reverse("dashboard:sso"))


@require_POST
@dashboard_page("org:admin")
def sso_delete(request: HttpRequest, connection_id: str) -> HttpResponse:
    principal = principal_of(request)
    connection = get_connection(principal.organization_id, connection_id)
    name = connection.name
    connection.delete()
    record_event(
        request,
        "sso.connection_deleted",
        target_type="sso_connection",
        target_id=connection_id,
    )
    flash(request, f"Deleted the SSO connection {name}.")
    return HttpResponseRedirect(reverse("dashboard:sso"))
