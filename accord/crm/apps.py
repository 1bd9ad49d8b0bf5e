from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "accord.crm"
    label = "crm"
