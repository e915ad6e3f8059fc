"""The connector to SIASN's web services (BKN's API Manager; contract facts in shared/design/SIASN.md).

Every SIMPEG call carries two tokens: the API gateway's (`Authorization: Bearer`, client credentials from the
consumer key and secret) and the SSO user's (`Auth: bearer`, Keycloak's password grant or a ready-made token
from the settings); referensi calls carry the gateway's alone. Both are fetched once, cached, renewed a margin
before they expire, and dropped and fetched again when SIASN says a token is bad (a 401, or one of the body
messages SIASN.md §4 lists), after which the call is made once more.

Failures that may pass (5xx, timeouts, dropped connections, 429) are retried with exponential backoff and
jitter, `siasn_attempts` calls in all. A write is not retried once its request may have reached SIASN
(SIASN.md §5: whether a save with the same body is a duplicate is not known): a `save` that timed out, lost
its connection or met a 5xx raises `UncertainWrite`, and the caller finds out what happened by reading
the riwayat it wrote (`riwayat("jabatan", nip)`, `riwayat("kursus", nip)`). A write is retried when it
cannot have arrived (no connection made, a token refused by the gateway, 429), or when the caller passes
`retry_uncertain=True`.

Calls are spaced by `siasn_pace_seconds` and each is logged with its method, path template, duration,
status and outcome; never a token, secret, password or header.
"""

import asyncio
import logging
import random
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import jwt

from services.employee.settings import EmployeeSettings
from shared.aio import backoff

log = logging.getLogger(__name__)

RiwayatKind = Literal["jabatan", "golongan", "pendidikan", "diklat", "skp22", "kursus"]
# The riwayat a pull reads; rw-kursus is read only by a kursus push looking for its own save.
RIWAYAT_KINDS: tuple[str, ...] = ("jabatan", "golongan", "pendidikan", "diklat", "skp22")
_READABLE_RIWAYAT = frozenset({*RIWAYAT_KINDS, "kursus"})

# SIASN.md §4: body messages after which a client drops its tokens (RA's middleware; lower-cased here).
_TOKEN_MESSAGES = frozenset({"invalid or expired jwt", "invalid credentials"})
_SSO_MISMATCH = "token sso mismatch"
_RUNTIME_ERROR = "runtime error"
_BACKOFF_CAP_SECONDS = 30.0

_GATEWAY_CREDENTIAL = "the consumer key and secret (ASN_SIASN_CONSUMER_KEY, ASN_SIASN_CONSUMER_SECRET)"
_SSO_CLIENT_CREDENTIAL = "the SSO client id (ASN_SIASN_SSO_CLIENT_ID)"
_SSO_USER_CREDENTIAL = "the SSO username and password (ASN_SIASN_USERNAME, ASN_SIASN_PASSWORD)"
_SSO_TOKEN_CREDENTIAL = "the ready-made SSO token (ASN_SIASN_SSO_TOKEN)"


class SiasnError(Exception):
    """SIASN could not do what was asked; the message says why, without secrets."""


class CredentialsRejected(SiasnError):
    """SIASN refuses one of our credentials; `credential` names which, and the settings that hold it."""

    def __init__(self, credential: str, detail: str) -> None:
        super().__init__(f"SIASN rejects {credential}: {detail}")
        self.credential = credential


class SiasnUnavailable(SiasnError):
    """SIASN did not answer usefully after every attempt (5xx, timeouts, lost connections)."""


class SiasnRefused(SiasnError):
    """SIASN answered and refused: a 4xx or `success: false`, with SIASN's own message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"SIASN refused ({status}): {message}")
        self.status = status
        self.message = message


class UncertainWrite(SiasnError):
    """A write may or may not have been done: its request may have reached SIASN but no clear answer came.
    Not retried, so as not to write twice; read the riwayat to learn whether it was."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"SIASN write {path} may or may not have been done: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class _Token:
    value: str
    # On the client's clock; a ready-made token's, from its JWT `exp`, on the wall clock. None: not known.
    expires_at: float | None

    def usable(self, now: float, margin: float) -> bool:
        return self.expires_at is None or now < self.expires_at - margin


@dataclass(frozen=True)
class _Call:
    method: str
    url: str
    template: str  # the path as logged: "/pns/data-utama/{nip}"
    sso: bool = True  # the referensi API takes the gateway token alone
    write: bool = False
    retry_uncertain: bool = False
    params: Mapping[str, str | int] | None = None
    json: Any = None
    data: Mapping[str, str] | None = None
    files: Mapping[str, tuple[str, bytes, str]] | None = None


Verdict = Literal["answer", "token", "runtime", "transient", "throttled"]


class SiasnClient:
    """SIASN's web services as typed calls. Use as `async with SiasnClient(settings) as siasn: ...`.

    `clock` (monotonic seconds) times the tokens' lifetimes; tests pass one they move forward.
    """

    def __init__(
        self,
        settings: EmployeeSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        trust_env: bool = True,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._api = settings.siasn_api_url.rstrip("/")
        self._referensi = settings.siasn_referensi_url.rstrip("/")
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.siasn_timeout_seconds),
            verify=_tls(settings),
            trust_env=trust_env,
        )
        self._gateway: _Token | None = None
        self._sso: _Token | None = None
        self._ready_sso = _ready_made(settings.siasn_sso_token.get_secret_value())
        self._token_lock = asyncio.Lock()
        self._pace_lock = asyncio.Lock()
        self._next_call_at = 0.0

    async def __aenter__(self) -> "SiasnClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- reads ------------------------------------------------------------------------------------------

    async def data_utama(self, nip: str) -> dict[str, Any] | None:
        """A PNS's data-utama by their 18-digit NIP; None when SIASN does not know the NIP."""
        call = _Call("GET", f"{self._api}/pns/data-utama/{nip}", "/pns/data-utama/{nip}")
        data = _read_data(await self._request(call))
        return data if isinstance(data, dict) else None

    async def riwayat(self, kind: RiwayatKind, nip: str) -> list[dict[str, Any]]:
        """A PNS's history of one kind (jabatan, golongan, pendidikan, diklat, skp22, kursus); [] if none."""
        if kind not in _READABLE_RIWAYAT:
            raise ValueError(f"riwayat kind {kind!r} is not one of {', '.join(sorted(_READABLE_RIWAYAT))}")
        call = _Call("GET", f"{self._api}/pns/rw-{kind}/{nip}", f"/pns/rw-{kind}/{{nip}}")
        data = _read_data(await self._request(call))
        return list(data) if isinstance(data, list) else []

    async def ref_unor(self) -> list[dict[str, Any]]:
        """The agency's whole unor tree, every page (items keep SIASN's PascalCase keys)."""
        size = self._settings.siasn_page_size
        items: list[dict[str, Any]] = []
        while True:
            params = {"limit": size, "offset": len(items)}
            call = _Call("GET", f"{self._api}/referensi/ref-unor", "/referensi/ref-unor", params=params)
            response = await self._request(call)
            page = _read_data(response)
            page = list(page) if isinstance(page, list) else []
            items.extend(page)
            total = _count(response)
            # A page larger than asked means the paging was ignored and the whole list came at once.
            if len(page) < size or len(page) > size or (total is not None and len(items) >= total):
                return items

    async def referensi(self, name: str) -> list[dict[str, Any]]:
        """One referensi list (golongan, eselon, jabatan-fungsional, ...), every page; SIASN answers some as
        `{results: [...]}` and some as a bare array (SIASN.md §2)."""
        size = self._settings.siasn_page_size
        items: list[dict[str, Any]] = []
        while True:
            call = _Call(
                "GET",
                f"{self._referensi}/{name}/search",
                f"/{name}/search",
                sso=False,
                params={"limit": size, "offset": len(items)},
            )
            response = await self._request(call)
            page = _referensi_items(response)
            # The first page again: paging is ignored and the whole list came at once (of exactly `size`).
            if items and page[:1] == items[:1]:
                return items
            items.extend(page)
            if len(page) != size:
                return items

    async def sync_jabatan(self, pns_orang_id: str) -> str:
        """Ask SIASN to refresh data-utama's current jabatan from rw-jabatan (after a save); its message."""
        call = _Call(
            "GET",
            f"{self._api}/pns/data-utama-jabatansync",
            "/pns/data-utama-jabatansync",
            params={"pns_orang_id": pns_orang_id},
        )
        response = await self._request(call)
        body = _json(response)
        if not response.is_success or (isinstance(body, dict) and body.get("success") is False):
            raise SiasnRefused(response.status_code, _message(body))
        return _message(body) if isinstance(body, dict) else ""

    # --- writes -----------------------------------------------------------------------------------------

    async def save_unor_jabatan(self, body: Mapping[str, Any], *, retry_uncertain: bool = False) -> str:
        """Save a riwayat jabatan (V2, `/jabatan/unorjabatan/save`); SIASN's rwJabatanId of the row.

        `UncertainWrite` when the answer was lost after the request may have arrived: read rw-jabatan to
        see whether the row is there before saving again."""
        return await self._save_riwayat(
            "/jabatan/unorjabatan/save", body, "rwJabatanId", retry_uncertain=retry_uncertain
        )

    async def save_kursus(self, body: Mapping[str, Any]) -> str:
        """Save a riwayat kursus (`/kursus/save`); SIASN's rwKursusId of the row.

        `UncertainWrite` when the answer was lost after the request may have arrived: read rw-kursus to see
        whether the row is there before saving again."""
        return await self._save_riwayat("/kursus/save", body, "rwKursusId")

    async def _save_riwayat(
        self, path: str, body: Mapping[str, Any], id_key: str, *, retry_uncertain: bool = False
    ) -> str:
        """POST a riwayat's save body; the new row's id from SIASN's `mapData[id_key]`."""
        call = _Call(
            "POST", f"{self._api}{path}", path, write=True, retry_uncertain=retry_uncertain, json=dict(body)
        )
        response = await self._request(call)
        answer = _json(response)
        if not isinstance(answer, dict) or answer.get("success") is not True or not response.is_success:
            raise SiasnRefused(response.status_code, _message(answer))
        map_data = answer.get("mapData")
        if isinstance(map_data, dict) and map_data.get(id_key):
            return str(map_data[id_key])
        raise UncertainWrite(call.template, f"SIASN answered success without a {id_key}")

    async def upload_document(
        self, content: bytes, filename: str, id_ref_dokumen: str, *, retry_uncertain: bool = False
    ) -> dict[str, Any]:
        """Upload a document (a PDF; `id_ref_dokumen` e.g. "872" SK Jabatan); the path object to put in a
        save body's `path` array. A repeated upload only leaves an unused file at SIASN, so a caller may
        pass `retry_uncertain=True`."""
        call = _Call(
            "POST",
            f"{self._api}/upload-dok",
            "/upload-dok",
            write=True,
            retry_uncertain=retry_uncertain,
            data={"id_ref_dokumen": id_ref_dokumen},
            files={"file": (filename, content, "application/pdf")},
        )
        response = await self._request(call)
        answer = _json(response)
        data = answer.get("data") if isinstance(answer, dict) else None
        if not response.is_success or not isinstance(data, dict) or not data.get("dok_uri"):
            raise SiasnRefused(response.status_code, _message(answer))
        return data

    # --- one call, with its tokens, pace, retries and log line --------------------------------------------

    async def _request(self, call: _Call) -> httpx.Response:
        attempts = self._settings.siasn_attempts
        attempt = 1
        renewed = False
        while True:
            headers, used = await self._headers(call.sso)
            await self._pace()
            started = time.perf_counter()
            try:
                response = await self._http.request(
                    call.method,
                    call.url,
                    params=call.params,
                    json=call.json,
                    data=call.data,
                    files=call.files,
                    headers=headers,
                )
            except httpx.UnsupportedProtocol as error:
                _log(call, None, started, "misconfigured", error)
                raise SiasnError(
                    f"SIASN URL for {call.template} is not an http(s) URL; check the settings"
                ) from None
            except httpx.TransportError as error:
                # A connection never made cannot have delivered the request; anything later may have.
                reached = not isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
                if call.write and reached and not call.retry_uncertain:
                    _log(call, None, started, "uncertain", error)
                    raise UncertainWrite(call.template, type(error).__name__) from error
                if attempt >= attempts:
                    _log(call, None, started, "unavailable", error)
                    raise SiasnUnavailable(
                        f"SIASN {call.template}: {type(error).__name__} after {attempts} attempts"
                    ) from error
                _log(call, None, started, "retrying", error)
                await self._back_off(attempt)
                attempt += 1
                continue

            verdict = _verdict(response)
            if verdict == "answer":
                _log(call, response.status_code, started, "ok" if response.is_success else "refused")
                return response
            if verdict == "token":
                if renewed:
                    _log(call, response.status_code, started, "credentials-rejected")
                    raise self._rejected_after_renewal(response)
                _log(call, response.status_code, started, "token-rejected")
                self._drop_tokens(used)
                renewed = True
                continue
            if verdict == "runtime":
                self._drop_tokens(used)
            # A 429 is refused before any work; other failures may come after the write was done.
            if call.write and verdict != "throttled" and not call.retry_uncertain:
                _log(call, response.status_code, started, "uncertain")
                raise UncertainWrite(call.template, f"SIASN answered {response.status_code}")
            if attempt >= attempts:
                _log(call, response.status_code, started, "unavailable")
                raise SiasnUnavailable(
                    f"SIASN {call.template}: answered {response.status_code} after {attempts} attempts"
                )
            _log(call, response.status_code, started, "retrying")
            await self._back_off(attempt)
            attempt += 1

    async def _pace(self) -> None:
        pace = self._settings.siasn_pace_seconds
        if pace <= 0:
            return
        loop = asyncio.get_running_loop()
        async with self._pace_lock:
            wait = self._next_call_at - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._next_call_at = loop.time() + pace

    async def _back_off(self, attempt: int) -> None:
        delay = backoff(attempt, base=self._settings.siasn_retry_backoff_seconds, cap=_BACKOFF_CAP_SECONDS)
        # Half to all of the delay, so clients that failed together do not come back together.
        await asyncio.sleep(delay * random.uniform(0.5, 1.0))

    # --- tokens -------------------------------------------------------------------------------------------

    async def _headers(self, sso: bool) -> tuple[dict[str, str], tuple[_Token, _Token | None]]:
        async with self._token_lock:
            gateway = await self._gateway_token()
            user = await self._sso_token() if sso else None
        headers = {"Authorization": f"Bearer {gateway.value}", "Accept": "application/json"}
        if user is not None:
            headers["Auth"] = f"{self._settings.siasn_auth_bearer_word} {user.value}"
        return headers, (gateway, user)

    def _drop_tokens(self, used: tuple[_Token, _Token | None]) -> None:
        # Both, as SIASN's clients do: a body does not always say which token it refused. Only the ones this
        # call used, so calls that failed together renew once.
        gateway, user = used
        if self._gateway is gateway:
            self._gateway = None
        if user is not None and self._sso is user:
            self._sso = None

    async def _gateway_token(self) -> _Token:
        margin = self._settings.siasn_token_margin_seconds
        if self._gateway is not None and self._gateway.usable(self._clock(), margin):
            return self._gateway
        settings = self._settings
        response = await self._token_request(
            "gateway token",
            settings.siasn_gateway_token_url,
            data={"grant_type": "client_credentials"},
            auth=httpx.BasicAuth(
                settings.siasn_consumer_key.get_secret_value(),
                settings.siasn_consumer_secret.get_secret_value(),
            ),
        )
        if response.status_code in (400, 401, 403):
            raise CredentialsRejected(_GATEWAY_CREDENTIAL, _oauth_error(response))
        self._gateway = self._token_from(response, "gateway token")
        return self._gateway

    async def _sso_token(self) -> _Token:
        margin = self._settings.siasn_token_margin_seconds
        if self._ready_sso is not None:
            if not self._ready_sso.usable(time.time(), 0.0):
                raise CredentialsRejected(_SSO_TOKEN_CREDENTIAL, "it has expired; set a new one")
            return self._ready_sso
        if self._sso is not None and self._sso.usable(self._clock(), margin):
            return self._sso
        settings = self._settings
        response = await self._token_request(
            "SSO token",
            settings.siasn_sso_token_url,
            data={
                "grant_type": "password",
                "client_id": settings.siasn_sso_client_id,
                "username": settings.siasn_username,
                "password": settings.siasn_password.get_secret_value(),
            },
        )
        if response.status_code in (400, 401, 403):
            error = _oauth_error(response)
            credential = _SSO_CLIENT_CREDENTIAL if "invalid_client" in error else _SSO_USER_CREDENTIAL
            raise CredentialsRejected(credential, error)
        self._sso = self._token_from(response, "SSO token")
        return self._sso

    async def _token_request(
        self, what: str, url: str, *, data: dict[str, str], auth: httpx.BasicAuth | None = None
    ) -> httpx.Response:
        """POST to a token endpoint, retried like a read: a second token is harmless."""
        call = _Call("POST", url, httpx.URL(url).path if url else what)
        attempts = self._settings.siasn_attempts
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            try:
                response = await self._http.post(url, data=data, auth=auth or httpx.USE_CLIENT_DEFAULT)
            except httpx.UnsupportedProtocol as error:
                _log(call, None, started, "misconfigured", error)
                raise SiasnError(f"SIASN {what} URL is not an http(s) URL; check the settings") from None
            except httpx.TransportError as error:
                if attempt == attempts:
                    _log(call, None, started, "unavailable", error)
                    raise SiasnUnavailable(
                        f"SIASN {what}: {type(error).__name__} after {attempts} attempts"
                    ) from None
                _log(call, None, started, "retrying", error)
                await self._back_off(attempt)
                continue
            if response.status_code < 500 and response.status_code != 429:
                _log(call, response.status_code, started, "ok" if response.is_success else "refused")
                return response
            if attempt == attempts:
                _log(call, response.status_code, started, "unavailable")
                raise SiasnUnavailable(
                    f"SIASN {what}: answered {response.status_code} after {attempts} attempts"
                )
            _log(call, response.status_code, started, "retrying")
            await self._back_off(attempt)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _token_from(self, response: httpx.Response, what: str) -> _Token:
        body = _json(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not response.is_success or not isinstance(token, str) or not token:
            raise SiasnRefused(response.status_code, f"the {what} answer holds no access_token")
        lifetime = body.get("expires_in") if isinstance(body, dict) else None
        expires_at = self._clock() + float(lifetime) if isinstance(lifetime, int | float) else None
        return _Token(token, expires_at)

    def _rejected_after_renewal(self, response: httpx.Response) -> CredentialsRejected:
        body = _json(response)
        if _says_sso_mismatch(body):
            credential = _SSO_TOKEN_CREDENTIAL if self._ready_sso is not None else "the SSO account"
            return CredentialsRejected(credential, "SIASN answers 'Token SSO mismatch' to a fresh token")
        return CredentialsRejected(
            _GATEWAY_CREDENTIAL, f"SIASN refuses a freshly issued gateway token ({response.status_code})"
        )


# --- answers ----------------------------------------------------------------------------------------------


def _verdict(response: httpx.Response) -> Verdict:
    body = _json(response)
    message = str(body.get("message", "")).strip().lower() if isinstance(body, dict) else ""
    if response.status_code == 401 or message in _TOKEN_MESSAGES or _says_sso_mismatch(body):
        return "token"
    if message == _RUNTIME_ERROR:
        description = str(body.get("description", "")) if isinstance(body, dict) else ""
        # A suspended subscription is a refusal no new token mends (SIASN.md §4).
        return "answer" if "SUSPENDED" in description.upper() else "runtime"
    if response.status_code == 429:
        return "throttled"
    if response.status_code >= 500:
        return "transient"
    return "answer"


def _says_sso_mismatch(body: Any) -> bool:
    return isinstance(body, dict) and str(body.get("data", "")).strip().lower() == _SSO_MISMATCH


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _code(body: Any) -> str:
    return str(body.get("code", "")) if isinstance(body, dict) else ""


def _read_data(response: httpx.Response) -> Any:
    """The `data` of a read envelope; None for SIASN's "not found" (`code: 0`, SIASN.md §3)."""
    body = _json(response)
    code = _code(body)
    if code == "0" and response.status_code in (200, 404):
        return None
    if response.is_success and code == "1":
        return body.get("data")
    raise SiasnRefused(response.status_code, _message(body))


def _count(response: httpx.Response) -> int | None:
    body = _json(response)
    count = body.get("count") if isinstance(body, dict) else None
    try:
        return int(count) if count is not None else None
    except (TypeError, ValueError):
        return None


def _referensi_items(response: httpx.Response) -> list[dict[str, Any]]:
    body = _json(response)
    if response.is_success:
        if isinstance(body, list):
            return body
        if isinstance(body, dict) and isinstance(body.get("results"), list):
            return list(body["results"])
        if isinstance(body, dict) and isinstance(body.get("data"), list):
            return list(body["data"])
    raise SiasnRefused(response.status_code, _message(body))


def _message(body: Any) -> str:
    """SIASN's words for an answer: `message`, `Message` ({Error, Message} errors), or a string `data`."""
    if not isinstance(body, dict):
        return "an answer that is not a JSON object"
    for key in ("message", "Message", "data", "mapData", "description"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return "no message"


def _oauth_error(response: httpx.Response) -> str:
    body = _json(response)
    if isinstance(body, dict) and body.get("error"):
        description = body.get("error_description")
        return f"{body['error']}: {description}" if description else str(body["error"])
    return f"the token endpoint answered {response.status_code}"


def _ready_made(token: str) -> _Token | None:
    """A ready-made SSO token with its expiry (wall-clock seconds) when it is a JWT carrying `exp`."""
    token = token.strip()
    if not token:
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return _Token(token, None)
    expiry = claims.get("exp")
    return _Token(token, float(expiry) if isinstance(expiry, int | float) else None)


def _tls(settings: EmployeeSettings) -> ssl.SSLContext | bool:
    if not settings.siasn_verify_tls:
        return False
    if settings.siasn_ca_file is not None:
        return ssl.create_default_context(cafile=str(settings.siasn_ca_file))
    return True


def _log(
    call: _Call, status: int | None, started: float, outcome: str, error: BaseException | None = None
) -> None:
    """One line per exchange with SIASN: never a header, token, secret, body or query."""
    duration_ms = round((time.perf_counter() - started) * 1000)
    failed = outcome not in ("ok", "refused")
    reason = f" ({type(error).__name__})" if error is not None else ""
    log.log(
        logging.WARNING if failed else logging.INFO,
        "SIASN %s %s -> %s in %d ms: %s%s",
        call.method,
        call.template,
        status if status is not None else "no answer",
        duration_ms,
        outcome,
        reason,
        extra={
            "siasn_method": call.method,
            "siasn_path": call.template,
            "siasn_status": status,
            "duration_ms": duration_ms,
            "outcome": outcome,
        },
    )
