from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "saas.accounts"
    label = "accounts"

    def ready(self):
        from saas.accounts import signals  # noqa: F401 — connects the audit receivers
