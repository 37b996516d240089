from django.apps import AppConfig


class ResponseConfig(AppConfig):
    name = "response"
    verbose_name = "舆情处置"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from response.services.analyzer_config import connect_signals

        connect_signals()
