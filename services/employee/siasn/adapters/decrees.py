"""The decree PDF of a mutation, fetched from the mutation service that issued and keeps it.

Only the SIASN push loop calls this, never an event handler (ARCHITECTURE.md §4: a handler makes no HTTP
call). It calls the mutation service's own route, `GET /api/v1/decrees/{id}/pdf`, as the gateway would: with
a short-lived internal token, here for a principal of this service with the HR role of the agency the person
moved to only, which the mutation service lets read that agency's decrees. The route checks the PDF against
the hash recorded when the decree was issued before answering.
"""

from uuid import UUID

import httpx

from shared.auth import mint_internal_token
from shared.principal import Principal, Role
from shared.settings import Settings

SUBJECT = "employee-service:siasn-push"


class DecreeUnavailable(Exception):
    """The mutation service did not answer usefully (down, 5xx): try again later."""


class DecreeMissing(Exception):
    """The mutation service has no such decree for us (404, 403): no retry mends that."""


class MutationDecrees:
    def __init__(self, settings: Settings, *, trust_env: bool = True) -> None:
        self._base = settings.upstream_url("mutation").rstrip("/")
        self._secret = settings.internal_token_secret.get_secret_value()
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(
                settings.upstream_timeout_seconds, connect=settings.upstream_connect_timeout_seconds
            ),
            trust_env=trust_env,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def pdf(self, decree_id: str, agency_code: str) -> tuple[bytes, str]:
        """The decree's PDF and its file name."""
        try:
            key = UUID(decree_id)
        except ValueError:
            raise DecreeMissing(f"decree id {decree_id!r} is not a UUID") from None
        caller = Principal(
            subject=SUBJECT, roles=frozenset({Role.HR_OFFICER}), agencies=frozenset({agency_code})
        )
        headers = {"Authorization": f"Bearer {mint_internal_token(caller, self._secret)}"}
        try:
            response = await self._http.get(f"{self._base}/api/v1/decrees/{key}/pdf", headers=headers)
        except httpx.HTTPError as error:
            raise DecreeUnavailable(
                f"the mutation service did not answer ({type(error).__name__})"
            ) from error
        if response.status_code in (403, 404):
            raise DecreeMissing(f"the mutation service has no decree {key} for agency {agency_code}")
        if not response.is_success or not response.content:
            raise DecreeUnavailable(f"the mutation service answered {response.status_code} for decree {key}")
        return response.content, _filename(response, key)


def _filename(response: httpx.Response, decree_id: UUID) -> str:
    disposition = response.headers.get("content-disposition", "")
    for part in disposition.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "filename" and value.strip('"'):
            return value.strip('"')
    return f"SK-{decree_id}.pdf"
