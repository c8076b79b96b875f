from django.apps import AppConfig


class ApiKeysConfig(AppConfig):
    name = "trainwave.server.apikeys"
    label = "apikeys"
    verbose_name = "API keys"

    def ready(self) -> None:
        from trainwave.server.apikeys import signals

        signals.connect()
