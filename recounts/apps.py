from django.apps import AppConfig


class RecountsConfig(AppConfig):
    name = "recounts"

    def ready(self) -> None:
        from recounts import audit, checks  # noqa: F401 (checks: registers the deploy checks)

        audit.connect()
