from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "trainwave.server.accounts"
    label = "accounts"
    verbose_name = "Accounts and organizations"
