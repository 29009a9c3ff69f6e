from django.apps import AppConfig


class ConvoyConfig(AppConfig):
    name = "convoy"
    verbose_name = "SADMF Convoy"
    default_auto_field = "django.db.models.BigAutoField"
