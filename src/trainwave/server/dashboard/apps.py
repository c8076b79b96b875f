from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "trainwave.server.dashboard"
    label = "dashboard"
    verbose_name = "Dashboard"
