from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "trainwave.server.sso"
    label = "sso"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from trainwave.server.accounts.sessions import password_session_exclusions
        from trainwave.server.sso.policy import sso_only_organizations

        if sso_only_organizations not in password_session_exclusions:
            password_session_exclusions.append(sso_only_organizations)
