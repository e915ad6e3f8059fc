"""The training service's own settings on top of every service's: what a year's JP mean.

Read from the same `ASN_*` environment variables (`ASN_JP_RIGHT_PNS`, `ASN_JP_CEILING_PPPK`); the defaults are
the regulations' (see `services.training.domain.jp`).
"""

from pydantic import Field

from services.training.domain.jp import JpRules
from shared.settings import Settings

_DEFAULTS = JpRules()


class TrainingSettings(Settings):
    # PP 11/2017 Pasal 203 as amended by PP 17/2020: every PNS has the right to at least this many JP a year.
    jp_right_pns: int = Field(default=_DEFAULTS.pns_right, ge=1, le=1000)
    # PP 49/2018 Pasal 39, to confirm: a PPPK's development is granted up to this many JP per contract year.
    jp_ceiling_pppk: int = Field(default=_DEFAULTS.pppk_ceiling, ge=1, le=1000)

    @property
    def jp_rules(self) -> JpRules:
        return JpRules(pns_right=self.jp_right_pns, pppk_ceiling=self.jp_ceiling_pppk)


def training_settings(settings: Settings | None = None, **overrides: object) -> TrainingSettings:
    """The training service's settings: `settings`' values (e.g. a test's database), the rest from the
    environment."""
    if isinstance(settings, TrainingSettings) and not overrides:
        return settings
    values = settings.model_dump() if settings is not None else {}
    values.update(service="training", **overrides)
    return TrainingSettings(**values)
