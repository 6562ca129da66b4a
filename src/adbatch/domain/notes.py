"""The creative director's notes on a draft, each with the edit it proposes (``adbatch.stages.direct``).

Recorded in the manifest as they were decided: whether the edit was applied, and if not, why.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Edit(BaseModel):
    """A change the director can make to the timeline within the pacing rules."""

    model_config = ConfigDict(frozen=True)
    kind: str  # trim | zoom | swap_hook | reorder
    slot: str | None = None
    shot: int | None = None  # zoom: the shot's index within its slot
    seconds: float | None = None  # trim: the beat's new soft maximum
    hook_rank: int | None = None  # swap_hook: the rank to use
    slots: tuple[str, ...] | None = None  # reorder: the reorderable beats in their new order


class Note(BaseModel):
    """One remark on the draft, in the seed's voice ("scene 3 drags — cut 0.5 s"), and its fix if any."""

    model_config = ConfigDict(frozen=True)
    rule: str
    message: str
    edit: Edit | None = None
    applied: bool = False
    source: str = "rules"  # rules | claude
    rejected: str | None = None  # why its edit was not applied, when it did not fit the video
    slot: str | None = None  # the beat it is about (None: the whole video)
