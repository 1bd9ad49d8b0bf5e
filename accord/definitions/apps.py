from django.apps import AppConfig


class DefinitionsConfig(AppConfig):
    name = "accord.definitions"
    label = "definitions"
