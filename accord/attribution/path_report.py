"""`accord attribution paths`: one model's credit per channel over a path-level file, as
rows for a table, CSV or JSON — and, for Markov, the removal effects and transitions."""

from dataclasses import dataclass

import polars as pl

from accord.attribution.markov import markov_credit
from accord.attribution.paths import Journeys
from accord.attribution.rules import RULES, channel_credit
from accord.core.errors import InvalidInput

PATH_MODELS = (*RULES, "markov")


@dataclass(frozen=True, slots=True)
class PathAttribution:
    model: str
    order: int | None  # Markov only
    conversions: int  # the journeys' totals, which the credits sum to
    value: float
    channels: pl.DataFrame  # channel, conversions, value (+ removal_effect, removal_effect_value for Markov)
    transitions: pl.DataFrame | None  # Markov only: from, to, probability

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.channels.columns)

    def rows(self) -> list[tuple]:
        return self.channels.rows()

    def as_dict(self) -> dict:
        result = {
            "model": self.model,
            "order": self.order,
            "total_conversions": self.conversions,
            "total_conversion_value": self.value,
            "channels": self.channels.to_dicts(),
        }
        if self.transitions is not None:
            result["transitions"] = self.transitions.to_dicts()
        return result


def path_attribution(journeys: Journeys, *, model: str, order: int = 1) -> PathAttribution:
    if model not in PATH_MODELS:
        raise InvalidInput(f"The model is one of {', '.join(PATH_MODELS)}.", field="model")
    if model != "markov":
        credit = channel_credit(journeys, model)
        return PathAttribution(model, None, journeys.conversions, journeys.value, credit, None)
    result = markov_credit(journeys, order=order)
    effects = result.removal_effects.rename({"conversion": "removal_effect", "value": "removal_effect_value"})
    channels = result.credit.join(effects, on="channel", how="left", maintain_order="left")
    return PathAttribution(model, order, journeys.conversions, journeys.value, channels, result.transitions)
