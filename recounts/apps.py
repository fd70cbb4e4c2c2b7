from django.apps import AppConfig


class RecountsConfig(AppConfig):
    name = "recounts"

    def ready(self) -> None:
        from accounts import notices as account_notices
        from recounts import audit, checks, history_words, notices  # noqa: F401 (registers the deploy checks, the words)

        audit.connect()
        # Accounts tell people through the desk's notices (accounts cannot import recounts).
        account_notices.register(notices)
