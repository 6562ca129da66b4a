"""``Insights``: the facts a script writer may use, in the catalog's and its customers' own words.

Extracted offline (``adbatch.stages.insights.extract``), merged with a live analysis when there is
one (``adbatch.stages.insights.merge``), handed to the writers and recorded in the manifest.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from adbatch.domain.facts import Fact

FACTS = ("benefits", "pains", "usps", "quotes")  # what a prompt is shown (never refused quotes or scores)


class Insights(BaseModel):
    """Benefits, pains, quotes and USPs, best first, with the scores and sources behind them."""

    model_config = ConfigDict(frozen=True)
    benefits: tuple[str, ...]
    pains: tuple[str, ...]
    quotes: tuple[str, ...]  # best first
    usps: tuple[str, ...] = ()  # unique selling points, best first
    scores: dict[str, float] = {}  # quote -> quotability score
    source: str = "offline"  # offline | claude+offline (merged with a live analysis)
    image: dict[str, Any] = {}  # live only: what the photo shows (style, audience, visual_cues, setting)
    refused_quotes: tuple[str, ...] = ()  # live only: "quotes" no review contains word for word
    facts: tuple[Fact, ...] = ()  # typed facts of the row (adbatch.stages.facts): what the offline writer says
