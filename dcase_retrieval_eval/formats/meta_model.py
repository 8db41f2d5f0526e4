"""The typed model of one system's meta-information YAML (`<label>.meta.yaml`).

The three blocks every DCASE task asks for (`submission`, `system`, `results`), as the team
wrote them, and the characteristics the task papers tabulate, read from the team's free-form
`system.description`. Kept apart from the block checks (`meta.py`) so that the leaderboard,
the paper tables and the package report use the model without the YAML reader.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, computed_field, model_validator

from ..findings import shown_values
from .team_identity import task_of_label, team_of_label

#: Characteristics that the task papers tabulate, each read from the first of its spellings found
#: in `system.description` (the templates of different years spell some of them differently).
CHARACTERISTICS: dict[str, tuple[str, ...]] = {
    "audio_modelling": ("audio_modelling", "audio_modeling", "audio_encoder"),
    "caption_modelling": ("caption_modelling", "text_modelling", "word_modelling",
                          "caption_modeling", "text_modeling", "word_modeling", "text_encoder"),
    "loss_function": ("loss_function", "loss"),
    "acoustic_features": ("acoustic_features", "audio_features"),
    "word_embeddings": ("word_embeddings", "text_embeddings"),
    "data_augmentation": ("data_augmentation",),
    "ensemble_subsystems": ("ensemble_method_subsystem_count", "ensemble_num_systems",
                            "ensemble_subsystem_count"),
    "pretrained_models": ("pretrained_models", "pre_trained_models", "pre-trained_models"),
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _shown(cls, data: Any) -> Any:
        """Every string as results show it: YAML accepts a lone surrogate (`"\\ud800"`) and
        control characters in any text, and no JSON writer or terminal takes them raw."""
        return shown_values(data)


class Affiliation(_Frozen):
    abbreviation: str
    institute: str
    department: str | None = None
    location: str | None = None


class Author(_Frozen):
    """One author. The e-mail is for the organizers only: it is never written to results."""

    lastname: str
    firstname: str
    email: str = Field(default="", exclude=True)
    corresponding: bool = False
    affiliation: Affiliation | None = None


class SubmissionInfo(_Frozen):
    """The `submission` block: who submitted which system under which label."""

    label: str
    name: str
    abbreviation: str
    authors: list[Author]


class ExternalDataset(_Frozen):
    """One entry of `system.external_datasets`; keys other than name and url are kept in `info`."""

    name: str
    url: str | None = None
    info: dict[str, JsonValue] = {}


class SystemInfo(_Frozen):
    """The `system` block. `description` keeps every key the team wrote, in its order."""

    description: dict[str, JsonValue]
    total_parameters: int
    complexity: dict[str, JsonValue] = {}
    external_datasets: list[ExternalDataset] = []
    source_code: str | None = None


class SystemMeta(_Frozen):
    """The meta-information of one system, as the team wrote it.

    `results` maps a data split (`development_testing`, ...) to metric -> value (None when the
    team left it `!!null`); a flat `results: {mAP@10: ...}` is kept under `development`.
    `technical_report` is the package's PDF, filled in by the package reader.
    """

    submission: SubmissionInfo
    system: SystemInfo
    results: dict[str, dict[str, float | None]] = {}
    extra_blocks: dict[str, JsonValue] = {}
    technical_report: str | None = None

    @property
    def label(self) -> str:
        return self.submission.label

    @computed_field  # type: ignore[prop-decorator]
    @property
    def team(self) -> str:
        """The DCASE team: the label without `_<task>_<n>` (`<Lastname>_<Inst>`)."""
        return team_of_label(self.label)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def task(self) -> str | None:
        return task_of_label(self.label)

    @property
    def system_name(self) -> str:
        return self.submission.name

    @property
    def corresponding_author(self) -> Author:
        return next(a for a in self.submission.authors if a.corresponding)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def characteristics(self) -> dict[str, str | None]:
        """The tabulated characteristics as display text (None when the team wrote none)."""
        out: dict[str, str | None] = {}
        for name, spellings in CHARACTERISTICS.items():
            key = next((k for k in spellings if k in self.system.description), None)
            out[name] = _as_text(self.system.description[key]) if key else None
        return out

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ensemble_subsystems(self) -> int | None:
        """The number of ensembled subsystems when the team gave it as a number."""
        spelling = next((k for k in CHARACTERISTICS["ensemble_subsystems"]
                         if k in self.system.description), None)
        value = self.system.description.get(spelling) if spelling else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def development_results(self) -> dict[str, float | None]:
        """The team's figures on its development split (the first split named development*)."""
        for split, values in self.results.items():
            if split.startswith("development"):
                return values
        return next(iter(self.results.values()), {})


def _as_text(value: JsonValue) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        parts = [_as_text(v) for v in value]
        return ", ".join(p for p in parts if p) or None
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_as_text(v)}" for k, v in value.items()) or None
    return str(value)
