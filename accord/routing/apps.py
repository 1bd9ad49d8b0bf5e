from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "accord.routing"
    label = "routing"
