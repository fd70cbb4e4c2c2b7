from django.apps import AppConfig


class RecountsConfig(AppConfig):
    name = "recounts"

    def ready(self) -> None:
        from recounts import audit

        audit.connect()
