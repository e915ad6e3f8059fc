"""The SIASN connector as the use cases see it: refused with a clear problem when SIASN is not enabled, and
the connector's failures as the problems a caller (or a job's result) reads."""

from services.employee.settings import EmployeeSettings
from services.employee.siasn.adapters.client import (
    CredentialsRejected,
    SiasnClient,
    SiasnError,
    SiasnRefused,
    SiasnUnavailable,
)
from shared.errors import Conflict, DomainError, FieldProblem

_REQUIRED = (
    "ASN_SIASN_API_URL, ASN_SIASN_REFERENSI_URL, ASN_SIASN_GATEWAY_TOKEN_URL, ASN_SIASN_CONSUMER_KEY, "
    "ASN_SIASN_CONSUMER_SECRET and either ASN_SIASN_SSO_TOKEN or ASN_SIASN_SSO_TOKEN_URL, "
    "ASN_SIASN_SSO_CLIENT_ID, ASN_SIASN_USERNAME, ASN_SIASN_PASSWORD"
)


class SiasnDisabled(Conflict):
    code, title = "siasn-disabled", "SIASN is not enabled"


class SiasnCredentialsRejected(DomainError):
    status, code, title = 502, "siasn-credentials-rejected", "SIASN rejects our credentials"


class SiasnUnreachable(DomainError):
    status, code, title = 503, "siasn-unavailable", "SIASN is unavailable"


class SiasnRefusal(DomainError):
    status, code, title = 502, "siasn-refused", "SIASN refused"


def require_enabled(settings: EmployeeSettings) -> None:
    if not settings.siasn_enabled:
        message = f"set ASN_SIASN_ENABLED=true with {_REQUIRED} (the agency's credentials issued by BKN)"
        raise SiasnDisabled(
            f"the SIASN connector is not enabled on this service: {message}",
            errors=[FieldProblem(field="ASN_SIASN_ENABLED", message=message)],
        )


def connect(settings: EmployeeSettings) -> SiasnClient:
    """A client of SIASN; `require_enabled` first."""
    require_enabled(settings)
    return SiasnClient(settings)


def problem_of(error: SiasnError) -> DomainError:
    """The connector's failure as a problem; a rejected credential is named with the settings holding it."""
    if isinstance(error, CredentialsRejected):
        return SiasnCredentialsRejected(
            str(error), errors=[FieldProblem(field=error.credential, message="rejected by SIASN")]
        )
    if isinstance(error, SiasnUnavailable):
        return SiasnUnreachable(str(error))
    if isinstance(error, SiasnRefused):
        return SiasnRefusal(str(error))
    return SiasnRefusal(str(error))
