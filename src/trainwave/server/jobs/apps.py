from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "trainwave.server.jobs"
    label = "jobs"
    verbose_name = "Training jobs"
