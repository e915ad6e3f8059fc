"""The employee service's own settings on top of every service's: the limits of an imported file, and the
SIASN connector's addresses, credentials and manners (`ASN_SIASN_*`).

Read from the same `ASN_*` environment variables (`ASN_IMPORT_MAX_ROWS`, ...). The limits are checked before
the work they bound: a file over them is refused with the limit named, instead of holding a job thread and
the service's memory while it is read.
"""

from pathlib import Path

from pydantic import Field, SecretStr, model_validator

from services.employee.domain.exchange import ImportLimits
from shared.settings import Settings

_DEFAULTS = ImportLimits()


class EmployeeSettings(Settings):
    # A 100,000-row employee CSV is about 20 MB; a province's whole register is a few tens of thousands.
    import_max_upload_bytes: int = Field(default=_DEFAULTS.upload_bytes, ge=1)
    import_max_rows: int = Field(default=_DEFAULTS.rows, ge=1)
    # The widest import (employees) has about 25 columns; an empty spreadsheet column is not one.
    import_max_columns: int = Field(default=_DEFAULTS.columns, ge=1)
    # Excel itself holds at most 32,767 characters in a cell.
    import_max_cell_chars: int = Field(default=_DEFAULTS.cell_chars, ge=1)
    # A refused file's answer lists this many problems (the first by line) and counts them all.
    import_max_errors: int = Field(default=_DEFAULTS.errors, ge=1)

    # SIASN, BKN's web services (shared/design/SIASN.md; the connector: services/employee/siasn/adapters/).
    # Hosts are each deployment's: BKN issues them with the consumer key and the SSO account.
    siasn_enabled: bool = False
    siasn_api_url: str = ""  # the SIMPEG API base, e.g. https://<gateway>:8243/apisiasn/1.0
    siasn_referensi_url: str = ""  # e.g. https://<gateway>:8243/referensi_siasn/1
    siasn_gateway_token_url: str = ""  # e.g. https://<gateway>/oauth2/token
    siasn_sso_token_url: str = ""  # e.g. https://<sso>/auth/realms/public-siasn/protocol/openid-connect/token
    siasn_consumer_key: SecretStr = SecretStr("")
    siasn_consumer_secret: SecretStr = SecretStr("")
    siasn_sso_client_id: str = ""
    siasn_username: str = ""
    siasn_password: SecretStr = SecretStr("")
    # A ready-made SSO access token, used instead of the password grant when set (several clients moved to
    # one; SIASN.md §1). It cannot be renewed here: when SIASN rejects it, an operator sets a new one.
    siasn_sso_token: SecretStr = SecretStr("")
    # SIASN.md §1: the word before the SSO token in the `Auth` header; clients disagree on its case.
    siasn_auth_bearer_word: str = "bearer"
    siasn_timeout_seconds: float = Field(default=30.0, gt=0)
    siasn_attempts: int = Field(default=3, ge=1)
    siasn_retry_backoff_seconds: float = Field(default=1.0, ge=0)
    # Seconds between the starts of two calls. SIASN publishes no quota; the one client that paces waits
    # 2-4 s per NIP, each NIP being about six calls (data-utama and five riwayat), so 0.5 s per call keeps
    # a whole sync at that client's rate.
    siasn_pace_seconds: float = Field(default=0.5, ge=0)
    # Items asked per page of ref-unor and referensi; SIASN's largest page is not known (SIASN.md §5).
    siasn_page_size: int = Field(default=500, ge=1)
    # A token is renewed this long before its stated expiry (one client uses 60 s).
    siasn_token_margin_seconds: float = Field(default=60.0, ge=0)
    # Some clients turn verification off for port 8243; trusting the gateway's CA (siasn_ca_file) is better.
    siasn_verify_tls: bool = True
    siasn_ca_file: Path | None = None

    # Pushes of completed mutations (services/employee/siasn/service/pushes.py): how often due ones are
    # looked for, how long one attempt holds a push before another process may take it over (longer than
    # the slowest attempt: a few calls of siasn_timeout_seconds), the first retry's delay (doubling up to an
    # hour) and the attempts after which a push that never got a clear answer is marked failed.
    siasn_push_interval_seconds: float = Field(default=5.0, gt=0)
    siasn_push_lease_seconds: float = Field(default=300.0, gt=0)
    siasn_push_retry_seconds: float = Field(default=30.0, ge=0)
    siasn_push_max_attempts: int = Field(default=20, ge=1)
    # SIASN's satuanKerjaId per agency (our agency code -> GUID), sent with each saved jabatan; an agency not
    # listed sends its instansi id (SIASN.md §3: an instansi-level constant BKN issues, not in any read).
    siasn_satuan_kerja_ids: dict[str, str] = Field(default_factory=dict)
    # Training completions (asn.training.participant.completed) pushed as riwayat kursus too, while SIASN is
    # enabled (services/employee/siasn/domain/kursus.py); and SIASN's jenisDiklatId per training form
    # (classical, bimtek, e_learning, ...): its jenis-diklat codes are not public (SIASN.md §5), so a form
    # not listed is sent without one.
    siasn_push_training: bool = False
    siasn_kursus_jenis_diklat_ids: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _siasn_configured_when_enabled(self) -> "EmployeeSettings":
        if not self.siasn_enabled:
            return self
        missing = [
            f"ASN_{name.upper()}"
            for name in (
                "siasn_api_url",
                "siasn_referensi_url",
                "siasn_gateway_token_url",
                "siasn_consumer_key",
                "siasn_consumer_secret",
            )
            if not _given(getattr(self, name))
        ]
        if not _given(self.siasn_sso_token):
            missing += [
                f"ASN_{name.upper()}"
                for name in ("siasn_sso_token_url", "siasn_sso_client_id", "siasn_username", "siasn_password")
                if not _given(getattr(self, name))
            ]
        if missing:
            raise ValueError(
                f"SIASN is enabled but {', '.join(missing)} not set (the SSO password grant's settings are "
                "not needed when ASN_SIASN_SSO_TOKEN is)"
            )
        return self

    @property
    def import_limits(self) -> ImportLimits:
        return ImportLimits(
            upload_bytes=self.import_max_upload_bytes,
            rows=self.import_max_rows,
            columns=self.import_max_columns,
            cell_chars=self.import_max_cell_chars,
            errors=self.import_max_errors,
        )


def _given(value: str | SecretStr) -> bool:
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    return bool(text.strip())


def employee_settings(settings: Settings | None = None, **overrides: object) -> EmployeeSettings:
    """The employee service's settings: `settings`' values (e.g. a test's database), the rest from the
    environment."""
    if isinstance(settings, EmployeeSettings) and not overrides:
        return settings
    values = settings.model_dump() if settings is not None else {}
    values.update(service="employee", **overrides)
    return EmployeeSettings(**values)
