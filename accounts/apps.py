from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from accounts import history_words  # noqa: F401 (registers the accounts models' words for the history pages)
