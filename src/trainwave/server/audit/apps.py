from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "trainwave.server.audit"
    label = "audit"
    verbose_name = "Audit events"
