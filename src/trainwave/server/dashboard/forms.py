"""Dashboard forms. The feature services re-check every rule on submit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator

from trainwave.server.accounts.roles import OWNER, PERMISSIONS, ROLE_CHOICES
from trainwave.server.apikeys.tokens import ENVIRONMENTS
from trainwave.server.audit.events import ACTIONS
from trainwave.server.auth import Principal
from trainwave.server.errors import ValidationFailed

RESOURCE_NAMES = {
    "jobs": "Jobs",
    "api_keys": "API keys",
    "members": "Members",
    "audit": "Audit log",
    "org": "Organization",
}

EXPIRY_CHOICES = [
    ("7", "7 days"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "1 year"),
    ("never", "No expiry"),
]

GRACE_CHOICES = [
    ("0", "Stop the old key now"),
    ("3600", "1 hour"),
    ("86400", "24 hours"),
    ("604800", "7 days"),
    ("2592000", "30 days"),
]

# The filter ends at midnight after the "To" day, which must still be a date.
LAST_DAY = date(9998, 12, 31)

# Service errors name API fields; these are the form fields that show them.
FORM_FIELD_OF = {
    "expires_at": "expires_in",
    "expires_in_days": "expires_in",
    "permissions": "permissions",
    "name": "name",
    "email": "email",
    "role": "role",
}


def show_service_error(form: forms.Form, error: ValidationFailed) -> None:
    """Attach a service's field errors to the matching form fields."""
    placed = False
    for detail in error.details or []:
        field = FORM_FIELD_OF.get(str(detail.get("field", "")))
        if field in form.fields:
            form.add_error(field, str(detail.get("message", error.message)))
            placed = True
    if not placed:
        form.add_error(None, error.message)


def choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class SignInForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        error_messages={"required": "Enter your email address."},
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        max_length=4096,
        strip=False,
        error_messages={"required": "Enter your password."},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


@dataclass(frozen=True)
class PermissionGroup:
    """Permissions of one resource, as checkboxes on the new-key form."""

    name: str
    choices: list[tuple[str, str, bool]]


class KeyCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="For example the machine or job that will use it.",
        error_messages={"required": "Enter a name for the key."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    permissions = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one permission."},
    )
    environment = forms.ChoiceField(
        choices=[(name, name) for name in ENVIRONMENTS],
        initial="live",
        widget=forms.RadioSelect,
    )
    expires_in = forms.ChoiceField(
        label="Expires after", choices=EXPIRY_CHOICES, initial="90"
    )

    def __init__(self, principal: Principal, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A key can only be granted permissions its creator has.
        self.grantable = [name for name in PERMISSIONS if principal.has(name)]
        choices = [(name, name) for name in self.grantable]
        choice_field(self, "permissions").choices = choices
        self.fields["permissions"].initial = self.grantable

    def permission_groups(self) -> list[PermissionGroup]:
        selected = set(self["permissions"].value() or [])
        groups: dict[str, list[tuple[str, str, bool]]] = {}
        for name in self.grantable:
            resource = name.split(":", 1)[0]
            groups.setdefault(resource, []).append(
                (name, PERMISSIONS[name], name in selected)
            )
        return [
            PermissionGroup(RESOURCE_NAMES.get(resource, resource), choices)
            for resource, choices in groups.items()
        ]

    def expires_in_days(self) -> int | None:
        value = self.cleaned_data["expires_in"]
        return None if value == "never" else int(value)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        required=False,
        help_text="Optional; recorded in the audit log.",
    )


class RotateForm(forms.Form):
    grace_seconds = forms.TypedChoiceField(
        label="Keep the old key working for",
        choices=GRACE_CHOICES,
        coerce=int,
        initial="86400",
    )


def assignable_roles(principal: Principal) -> list[tuple[str, str]]:
    """Roles the principal may give: only an owner may make owners."""
    return [
        (role, label)
        for role, label in ROLE_CHOICES
        if role != OWNER or principal.role == OWNER
    ]


class MemberAddForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        help_text="The person needs an account on this server already.",
    )
    role = forms.ChoiceField(initial="member")

    def __init__(self, principal: Principal, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "role").choices = assignable_roles(principal)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField()

    def __init__(self, principal: Principal, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "role").choices = assignable_roles(principal)


class AuditFilterForm(forms.Form):
    actor = forms.CharField(
        max_length=254, required=False, help_text="Email or user ID."
    )
    action = forms.ChoiceField(required=False)
    since = forms.DateField(
        label="From",
        required=False,
        validators=[MaxValueValidator(LAST_DAY)],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label="To",
        required=False,
        validators=[MaxValueValidator(LAST_DAY)],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "action").choices = [("", "Any action")] + [
            (action, action) for action in sorted(ACTIONS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return data
