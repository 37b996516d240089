from django.apps import AppConfig


class ResponseConfig(AppConfig):
    name = "response"
    verbose_name = "舆情处置"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from response.services import analyzer_config, search_index

        analyzer_config.connect_signals()
        search_index.connect_signals()
