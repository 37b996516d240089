from django.apps import AppConfig


class ResponseConfig(AppConfig):
    name = "response"
    verbose_name = "舆情处置"
    default_auto_field = "django.db.models.BigAutoField"
