"""Typed domain errors. The API and the UI map them to responses in one place each
(`accord.api.app` and `accord.web.views`), so services never think about HTTP."""


class DomainError(Exception):
    """Base class: a request that the domain refuses, with a message for people."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """The input breaks a rule; `field` names the offending field (HTTP 422)."""


class NotAllowed(DomainError):
    """The acting user's role or ownership does not permit this (HTTP 403)."""


class NotFound(DomainError):
    """The object does not exist or is not visible to the acting user (HTTP 404)."""


class InvalidTransition(DomainError):
    """The object is not in a state where this action applies (HTTP 409)."""


class Conflict(DomainError):
    """The request clashes with existing data, e.g. an external id used elsewhere (HTTP 409)."""
