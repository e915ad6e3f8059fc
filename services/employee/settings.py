"""The employee service's own settings on top of every service's: the limits of an imported file.

Read from the same `ASN_*` environment variables (`ASN_IMPORT_MAX_ROWS`, ...). The limits are checked before
the work they bound: a file over them is refused with the limit named, instead of holding a job thread and
the service's memory while it is read.
"""

from pydantic import Field

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

    @property
    def import_limits(self) -> ImportLimits:
        return ImportLimits(
            upload_bytes=self.import_max_upload_bytes,
            rows=self.import_max_rows,
            columns=self.import_max_columns,
            cell_chars=self.import_max_cell_chars,
            errors=self.import_max_errors,
        )


def employee_settings(settings: Settings | None = None, **overrides: object) -> EmployeeSettings:
    """The employee service's settings: `settings`' values (e.g. a test's database), the rest from the
    environment."""
    if isinstance(settings, EmployeeSettings) and not overrides:
        return settings
    values = settings.model_dump() if settings is not None else {}
    values.update(service="employee", **overrides)
    return EmployeeSettings(**values)
