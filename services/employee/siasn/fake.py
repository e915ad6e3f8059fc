"""A contract fake of SIASN's web services (docs: shared/design/SIASN.md), for tests and `make dev`.

One FastAPI app answers as SIASN's three hosts do: the API gateway's token endpoint (`/oauth2/token`), the
SSO's (Keycloak realm `public-siasn`), the SIMPEG API (`/apisiasn/1.0`) and the referensi API
(`/referensi_siasn/1`). It keeps SIASN's shapes: the read envelope `{code, count, data, message}`, 404
`{code: 0, data: "Data tidak ditemukan"}`, the write envelope `{success, message, mapData}`, dates
`dd-mm-yyyy` with `01-01-0001` for none, `path` as an object keyed by dok_id in reads and an array in save
bodies, 32-hex GUIDs. What SIASN.md leaves open is chosen here and said so where it is chosen.

Everything lives in a `SiasnState` the tests fill and inspect: people by NIP, unors, referensi lists, the
saves, uploads and syncs received, every request's arrival time, the tokens issued. Faults are switched on
at run time: 5xx answers (a count or a share), dropped connections, tokens expired on the server's side.

Run alone with the demo agency's data: `python -m services.employee.siasn.fake --port 8090`.
"""

import argparse
import base64
import random
import secrets
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import jwt
from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

GATEWAY_TOKEN_PATH = "/oauth2/token"
SSO_TOKEN_PATH = "/auth/realms/public-siasn/protocol/openid-connect/token"
API_BASE = "/apisiasn/1.0"
REFERENSI_BASE = "/referensi_siasn/1"
RIWAYAT_KINDS = ("jabatan", "golongan", "pendidikan", "diklat", "skp22", "kursus")
NOT_FOUND = "Data tidak ditemukan"
NO_DATE = "01-01-0001"
SSO_MISMATCH = "Token SSO mismatch"
EXPIRED_JWT = "invalid or expired jwt"


class _Refusal(Exception):
    def __init__(self, status: int, body: Any) -> None:
        self.status = status
        self.body = body


class _Dropped(Exception):
    """Raised after the answer has started, so uvicorn closes the connection instead of completing it."""


@dataclass
class Person:
    """One PNS as SIASN holds them: data-utama and each riwayat list (items in SIASN's read shape)."""

    data_utama: dict[str, Any]
    riwayat: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {k: [] for k in RIWAYAT_KINDS})

    @property
    def nip(self) -> str:
        return str(self.data_utama["nipBaru"])

    @property
    def pns_id(self) -> str:
        return str(self.data_utama["id"])


@dataclass(frozen=True)
class Arrival:
    method: str
    path: str
    at: float  # on the state's clock


@dataclass(frozen=True)
class Upload:
    id_ref_dokumen: str
    filename: str
    content: bytes
    path: dict[str, str]  # the path object answered: dok_id, dok_nama, dok_uri, object, slug


@dataclass
class Fault:
    """Replace answers with a 5xx (`status`) or a dropped connection (`status` None).

    `path` None applies to every API call (not the token endpoints); a string applies to request paths
    starting with it (token paths included). `remaining` None never runs out; `share` of the matching
    requests is hit. `after_handling`: the request is handled first (a save is recorded) and only its answer
    is lost, as when the gateway times out on a backend that went on working. A drop either closes the
    connection before any byte of the answer (`truncated` False) or after its headers and part of its body.
    """

    status: int | None
    path: str | None = None
    remaining: int | None = 1
    share: float = 1.0
    after_handling: bool = False
    truncated: bool = False
    body: Any = None


@dataclass
class SiasnState:
    """What the fake knows and what it received; tests fill and inspect it, and switch faults on."""

    consumer_key: str = "fake-consumer-key"
    consumer_secret: str = "fake-consumer-secret"
    sso_client_id: str = "fake-instansi-client"
    users: dict[str, str] = field(default_factory=lambda: {"199001012015031001": "fake-operator-password"})
    gateway_token_seconds: float = 3600.0
    sso_token_seconds: float = 43200.0
    # SIASN.md does not say which status carries "Token SSO mismatch"; clients look at the body.
    sso_mismatch_status: int = 401
    clock: Callable[[], float] = time.monotonic
    seed: int = 0

    instansi_id: str = "A5EB03E23CCCF6A0E040640A040252AD"
    satuan_kerja_id: str = "A5EB03E24213F6A0E040640A040252AD"
    people: dict[str, Person] = field(default_factory=dict)
    unors: list[dict[str, Any]] = field(default_factory=list)
    referensi: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Referensi answered as a bare array; the others as {"results": [...]} (SIASN.md §2: both exist).
    bare_referensi: set[str] = field(default_factory=set)

    saves: list[dict[str, Any]] = field(default_factory=list)  # /jabatan/unorjabatan/save bodies
    kursus_saves: list[dict[str, Any]] = field(default_factory=list)  # /kursus/save bodies
    uploads: list[Upload] = field(default_factory=list)
    syncs: list[str] = field(default_factory=list)
    # Bounded, so a fake left running under `make dev` does not grow without end.
    arrivals: deque[Arrival] = field(default_factory=lambda: deque(maxlen=100_000))
    gateway_tokens_issued: int = 0
    sso_tokens_issued: int = 0
    faults: list[Fault] = field(default_factory=list)

    # Every token issued, with its expiry on `clock`.
    gateway_tokens: dict[str, float] = field(default_factory=dict)
    sso_tokens: dict[str, float] = field(default_factory=dict)
    _signing_key: str = field(default_factory=lambda: secrets.token_hex(32))
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    # --- filling and inspecting -------------------------------------------------------------------------

    def add_person(self, data_utama: dict[str, Any], **riwayat: list[dict[str, Any]]) -> Person:
        person = Person(data_utama)
        for kind, items in riwayat.items():
            person.riwayat[kind] = list(items)
        self.people[person.nip] = person
        return person

    def person_by_pns_id(self, pns_id: str) -> Person | None:
        return next((p for p in self.people.values() if p.pns_id.upper() == pns_id.upper()), None)

    def arrivals_at(self, prefix: str) -> list[Arrival]:
        """Requests whose path starts with `prefix` (e.g. API_BASE + "/pns/data-utama"), in arrival order."""
        return [arrival for arrival in self.arrivals if arrival.path.startswith(prefix)]

    # --- faults -----------------------------------------------------------------------------------------

    def fail(
        self,
        status: int = 503,
        *,
        count: int | None = 1,
        share: float = 1.0,
        path: str | None = None,
        after_handling: bool = False,
        body: Any = None,
    ) -> Fault:
        """The next `count` matching calls (None: all, `share` of them) answer `status`."""
        fault = Fault(status, path, count, share, after_handling, body=body)
        self.faults.append(fault)
        return fault

    def drop(
        self,
        *,
        count: int | None = 1,
        share: float = 1.0,
        path: str | None = None,
        after_handling: bool = False,
        truncated: bool = False,
    ) -> Fault:
        """The next `count` matching calls lose their connection instead of an answer."""
        fault = Fault(None, path, count, share, after_handling, truncated)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    def expire_tokens(self) -> None:
        """Every token issued so far expires now, whatever its holder believes."""
        now = self.clock()
        for tokens in (self.gateway_tokens, self.sso_tokens):
            for token in tokens:
                tokens[token] = min(tokens[token], now)

    def take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            applies = path.startswith(fault.path) if fault.path is not None else _is_api_call(path)
            if not applies or fault.remaining == 0 or self._random.random() >= fault.share:
                continue
            if fault.remaining is not None:
                fault.remaining -= 1
            return fault
        return None

    # --- tokens -----------------------------------------------------------------------------------------

    def issue_gateway_token(self) -> str:
        self.gateway_tokens_issued += 1
        return self._issue(self.gateway_tokens, self.gateway_token_seconds, self.consumer_key)

    def issue_sso_token(self, username: str | None = None) -> str:
        """An SSO token as Keycloak issues it; a test hands one to a client as its ready-made token."""
        self.sso_tokens_issued += 1
        return self._issue(self.sso_tokens, self.sso_token_seconds, username or next(iter(self.users)))

    def _issue(self, tokens: dict[str, float], seconds: float, subject: str) -> str:
        # A JWT like the real ones (its `exp` readable by a client), held here with its expiry on our clock.
        claims = {"sub": subject, "jti": uuid.uuid4().hex, "exp": int(time.time() + seconds)}
        token = jwt.encode(claims, self._signing_key, algorithm="HS256")
        tokens[token] = self.clock() + seconds
        return token

    def gateway_token_valid(self, token: str) -> bool:
        return self.gateway_tokens.get(token, -1.0) > self.clock()

    def sso_token_valid(self, token: str) -> bool:
        return self.sso_tokens.get(token, -1.0) > self.clock()


def _is_api_call(path: str) -> bool:
    return path.startswith((API_BASE, REFERENSI_BASE))


class _FaultInjection:
    """Records each request's arrival and answers the faults switched on (an ASGI middleware)."""

    def __init__(self, app: ASGIApp, state: SiasnState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        self.state.arrivals.append(Arrival(scope["method"], path, self.state.clock()))
        fault = self.state.take_fault(path)
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.after_handling:

            async def swallow(message: Message) -> None:
                pass

            await self.app(scope, receive, swallow)
        if fault.status is not None:
            await _send_json(send, fault.status, fault.body or _gateway_error(fault.status))
            return
        if fault.truncated:
            start = [(b"content-type", b"application/json"), (b"content-length", b"1000")]
            await send({"type": "http.response.start", "status": 200, "headers": start})
            await send({"type": "http.response.body", "body": b'{"code": 1, "da', "more_body": True})
        else:
            # uvicorn marks the answer started before it checks the headers, refuses this value and writes
            # nothing; the exception below then makes it close the connection: no byte reaches the client.
            await send({"type": "http.response.start", "status": 200, "headers": [(b"x-drop", b"\r\n")]})
        raise _Dropped("connection dropped by the SIASN fake")


async def _send_json(send: Send, status: int, body: Any) -> None:
    response = JSONResponse(body, status_code=status)
    await send({"type": "http.response.start", "status": status, "headers": response.raw_headers})
    await send({"type": "http.response.body", "body": response.body})


def _gateway_error(status: int) -> dict[str, str]:
    # WSO2 API Manager's error shape (SIASN.md §4: code, message, type, description).
    return {
        "code": f"101{status}",
        "message": "Internal Server Error" if status == 500 else "Service Unavailable",
        "type": "Status report",
        "description": "fault switched on in the SIASN fake",
    }


def _read(data: Any, count: int | None = None) -> dict[str, Any]:
    return {"code": 1, "count": count if count is not None else 1, "data": data, "message": "success"}


def _not_found() -> _Refusal:
    return _Refusal(404, {"code": 0, "data": NOT_FOUND, "message": NOT_FOUND})


def create_app(state: SiasnState | None = None) -> FastAPI:
    """The fake SIASN over `state` (a new, empty one by default; the app keeps it as `app.state.siasn`)."""
    state = state if state is not None else SiasnState()
    app = FastAPI(title="SIASN contract fake", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.siasn = state

    @app.exception_handler(_Refusal)
    async def refused(request: Request, refusal: _Refusal) -> JSONResponse:
        return JSONResponse(refusal.body, status_code=refusal.status)

    def gateway(request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _Refusal(
                401,
                {
                    "code": "900902",
                    "message": "Invalid Credentials",
                    "type": "Status report",
                    "description": "Make sure your API invocation call has a header: 'Authorization : Bearer "
                    "ACCESS_TOKEN' or 'Authorization : Basic ACCESS_TOKEN' or 'apikey: API_KEY'",
                },
            )
        if not state.gateway_token_valid(token.strip()):
            raise _Refusal(
                401,
                {
                    "code": "900901",
                    "message": EXPIRED_JWT,
                    "type": "Status report",
                    "description": "Invalid JWT token. Make sure you have provided the correct security "
                    "credentials",
                },
            )

    def both_tokens(request: Request) -> None:
        gateway(request)
        scheme, _, token = request.headers.get("auth", "").partition(" ")
        if scheme.lower() != "bearer" or not state.sso_token_valid(token.strip()):
            raise _Refusal(state.sso_mismatch_status, {"code": 0, "data": SSO_MISMATCH, "message": "failed"})

    def person(request: Request, nip: str) -> Person:
        both_tokens(request)
        found = state.people.get(nip)
        if found is None:
            raise _not_found()
        return found

    @app.post(GATEWAY_TOKEN_PATH)
    async def gateway_token(request: Request) -> JSONResponse:
        form = await request.form()
        key, secret = _basic_credentials(request.headers.get("authorization", ""))
        if (key, secret) != (state.consumer_key, state.consumer_secret):
            return JSONResponse(
                {"error": "invalid_client", "error_description": "Client Authentication failed."}, 401
            )
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, 400)
        token = state.issue_gateway_token()
        return JSONResponse(
            {
                "access_token": token,
                "scope": "default",
                "token_type": "Bearer",
                "expires_in": int(state.gateway_token_seconds),
            }
        )

    @app.post(SSO_TOKEN_PATH)
    async def sso_token(request: Request) -> JSONResponse:
        form = await request.form()
        if form.get("grant_type") != "password":
            return JSONResponse({"error": "unsupported_grant_type"}, 400)
        if form.get("client_id") != state.sso_client_id:
            return JSONResponse(
                {
                    "error": "invalid_client",
                    "error_description": "Invalid client or Invalid client credentials",
                },
                401,
            )
        username = str(form.get("username", ""))
        if username not in state.users or state.users[username] != form.get("password"):
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "Invalid user credentials"}, 401
            )
        token = state.issue_sso_token(username)
        return JSONResponse(
            {
                "access_token": token,
                "expires_in": int(state.sso_token_seconds),
                "refresh_expires_in": 0,
                "token_type": "Bearer",
                "not-before-policy": 0,
                "session_state": str(uuid.uuid4()),
                "scope": "profile email",
            }
        )

    @app.get(API_BASE + "/pns/data-utama/{nip}")
    async def data_utama(request: Request, nip: str) -> dict[str, Any]:
        return _read(person(request, nip).data_utama)

    @app.get(API_BASE + "/pns/rw-{kind}/{nip}")
    async def riwayat(request: Request, kind: str, nip: str) -> dict[str, Any]:
        if kind not in RIWAYAT_KINDS:
            raise _Refusal(404, {"code": "404", "message": "Not Found", "type": "Status report"})
        items = person(request, nip).riwayat[kind]
        return _read(items, len(items))

    @app.get(API_BASE + "/referensi/ref-unor")
    async def ref_unor(
        request: Request, limit: int | None = Query(None, ge=1), offset: int = Query(0, ge=0)
    ) -> dict[str, Any]:
        both_tokens(request)
        page = state.unors[offset : offset + limit if limit is not None else None]
        return _read(page, len(state.unors))

    @app.post(API_BASE + "/jabatan/unorjabatan/save")
    async def save_unor_jabatan(request: Request) -> JSONResponse:
        both_tokens(request)
        body = await request.json()
        state.saves.append(body)
        missing = [
            name
            for name in ("instansiId", "nomorSk", "pnsId", "satuanKerjaId", "unorId")
            if not isinstance(body, dict) or not body.get(name)
        ]
        if missing:
            return JSONResponse({"success": False, "message": f"{', '.join(missing)} wajib diisi"}, 400)
        owner = state.person_by_pns_id(str(body["pnsId"]))
        if owner is None:
            return JSONResponse({"success": False, "message": "PNS tidak ditemukan", "mapData": ""}, 400)
        item = _rw_jabatan_from_save(state, owner, body)
        # Whether a save with an existing `id` edits it is not known (SIASN.md §5); the fake edits.
        kept = [old for old in owner.riwayat["jabatan"] if old["id"] != item["id"]]
        owner.riwayat["jabatan"] = [*kept, item]
        return JSONResponse({"success": True, "message": "success", "mapData": {"rwJabatanId": item["id"]}})

    @app.post(API_BASE + "/kursus/save")
    async def save_kursus(request: Request) -> JSONResponse:
        both_tokens(request)
        body = await request.json()
        state.kursus_saves.append(body)
        # Which fields SIASN requires of a kursus is not published; the fake asks for the identity and name.
        missing = [
            name
            for name in ("pnsOrangId", "namaKursus", "tanggalKursus")
            if not isinstance(body, dict) or not body.get(name)
        ]
        if missing:
            return JSONResponse({"success": False, "message": f"{', '.join(missing)} wajib diisi"}, 400)
        owner = state.person_by_pns_id(str(body["pnsOrangId"]))
        if owner is None:
            return JSONResponse({"success": False, "message": "PNS tidak ditemukan", "mapData": ""}, 400)
        item = _rw_kursus_from_save(owner, body)
        kept = [old for old in owner.riwayat["kursus"] if old["id"] != item["id"]]
        owner.riwayat["kursus"] = [*kept, item]
        return JSONResponse({"success": True, "message": "success", "mapData": {"rwKursusId": item["id"]}})

    @app.post(API_BASE + "/upload-dok")
    async def upload_dok(
        request: Request, file: UploadFile = File(...), id_ref_dokumen: str = Form(...)
    ) -> dict[str, Any]:
        both_tokens(request)
        content = await file.read()
        uri = f"peremajaan/usulan/{id_ref_dokumen}_{uuid.uuid4().hex}.pdf"
        path = {
            "dok_id": id_ref_dokumen,
            "dok_nama": DOCUMENT_NAMES.get(id_ref_dokumen, "Dokumen"),
            "dok_uri": uri,
            "object": uri,
            "slug": id_ref_dokumen,
        }
        state.uploads.append(Upload(id_ref_dokumen, file.filename or "", content, path))
        return _read(path)

    @app.get(API_BASE + "/pns/data-utama-jabatansync")
    async def jabatan_sync(request: Request, pns_orang_id: str = Query(...)) -> dict[str, Any]:
        both_tokens(request)
        owner = state.person_by_pns_id(pns_orang_id)
        if owner is None:
            raise _not_found()
        state.syncs.append(pns_orang_id)
        if owner.riwayat["jabatan"]:
            _apply_latest_jabatan(owner)
        # SW types the answer as ResultCreate; RA reads a capitalised `Message` (SIASN.md §2): both here.
        return {"success": True, "message": "Sinkronisasi jabatan berhasil", "mapData": "", "Message": "OK"}

    @app.get(REFERENSI_BASE + "/{name}/search")
    async def referensi(
        request: Request, name: str, limit: int = Query(100, ge=1), offset: int = Query(0, ge=0)
    ) -> Any:
        gateway(request)
        if name not in state.referensi:
            raise _Refusal(404, {"code": "404", "message": "Not Found", "type": "Status report"})
        page = state.referensi[name][offset : offset + limit]
        return page if name in state.bare_referensi else {"results": page}

    return _with_faults(app, state)


def _with_faults(app: FastAPI, state: SiasnState) -> FastAPI:
    app.add_middleware(_FaultInjection, state=state)
    return app


def _basic_credentials(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        key, _, secret = base64.b64decode(encoded.strip()).decode().partition(":")
    except ValueError:
        return "", ""
    return key, secret


def _rw_jabatan_from_save(state: SiasnState, owner: Person, body: dict[str, Any]) -> dict[str, Any]:
    unor = next((u for u in state.unors if u["Id"] == body["unorId"]), None)
    paths = body.get("path") or []
    return {
        "id": body.get("id") or str(uuid.uuid4()),
        "idPns": owner.pns_id,
        "nipBaru": owner.nip,
        "nipLama": owner.data_utama.get("nipLama", ""),
        "jenisJabatan": body.get("jenisJabatan", ""),
        "instansiKerjaId": body["instansiId"],
        "instansiKerjaNama": owner.data_utama.get("instansiKerjaNama", ""),
        "satuanKerjaId": body["satuanKerjaId"],
        "satuanKerjaNama": owner.data_utama.get("satuanKerjaKerjaNama", ""),
        "unorId": body["unorId"],
        "unorNama": unor["NamaUnor"] if unor else "",
        "unorIndukId": unor["DiatasanId"] if unor else "",
        "unorIndukNama": "",
        "eselon": None,
        "eselonId": body.get("eselonId") or None,
        "jabatanFungsionalId": body.get("jabatanFungsionalId", ""),
        "jabatanFungsionalNama": _referensi_name(
            state, "jabatan-fungsional", body.get("jabatanFungsionalId")
        ),
        "jabatanFungsionalUmumId": body.get("jabatanFungsionalUmumId", ""),
        "jabatanFungsionalUmumNama": _referensi_name(
            state, "jabatan-fungsional-umum", body.get("jabatanFungsionalUmumId")
        ),
        "namaJabatan": "",
        "namaUnor": unor["NamaUnor"] if unor else "",
        "tmtJabatan": body.get("tmtJabatan") or NO_DATE,
        "nomorSk": body["nomorSk"],
        "tanggalSk": body.get("tanggalSk") or NO_DATE,
        "tmtPelantikan": body.get("tmtPelantikan") or NO_DATE,
        "path": {str(p.get("dok_id", "")): p for p in paths if isinstance(p, dict)},
        "jenisPenugasanId": body.get("jenisPenugasanId", ""),
        "jenisMutasiId": body.get("jenisMutasiId", ""),
        "subJabatanId": body.get("subJabatanId") or "0",
        "tmtMutasi": body.get("tmtMutasi") or NO_DATE,
    }


def _rw_kursus_from_save(owner: Person, body: dict[str, Any]) -> dict[str, Any]:
    # rw-kursus's read shape is not public (SIASN.md §5): the save body's names, as rw-jabatan keeps its own.
    paths = body.get("path") or []
    return {
        "id": body.get("id") or str(uuid.uuid4()),
        "idPns": owner.pns_id,
        "nipBaru": owner.nip,
        "nipLama": owner.data_utama.get("nipLama", ""),
        "instansiId": body.get("instansiId", ""),
        "institusiPenyelenggara": body.get("institusiPenyelenggara", ""),
        "jenisDiklatId": body.get("jenisDiklatId", ""),
        "jenisKursus": body.get("jenisKursus", ""),
        "jenisKursusSertipikat": body.get("jenisKursusSertipikat", ""),
        "jumlahJam": body.get("jumlahJam", 0),
        "lokasiId": body.get("lokasiId", ""),
        "namaKursus": body["namaKursus"],
        "nomorSertipikat": body.get("nomorSertipikat", ""),
        "tahunKursus": body.get("tahunKursus", 0),
        "tanggalKursus": body.get("tanggalKursus") or NO_DATE,
        "tanggalSelesaiKursus": body.get("tanggalSelesaiKursus") or NO_DATE,
        "path": {str(p.get("dok_id", "")): p for p in paths if isinstance(p, dict)},
    }


def _referensi_name(state: SiasnState, name: str, item_id: Any) -> str:
    found = next((item for item in state.referensi.get(name, []) if item.get("id") == item_id), None)
    return str(found["nama"]) if found else ""


def _day(value: str) -> date:
    day, month, year = (int(part) for part in value.split("-"))
    return date(year, month, day)


def _apply_latest_jabatan(owner: Person) -> None:
    latest = max(owner.riwayat["jabatan"], key=lambda item: _day(item["tmtJabatan"]))
    owner.data_utama.update(
        unorId=latest["unorId"],
        unorNama=latest["unorNama"],
        jenisJabatanId=latest["jenisJabatan"],
        jabatanFungsionalId=latest["jabatanFungsionalId"],
        jabatanFungsionalNama=latest["jabatanFungsionalNama"],
        jabatanFungsionalUmumId=latest["jabatanFungsionalUmumId"],
        jabatanFungsionalUmumNama=latest["jabatanFungsionalUmumNama"],
        jabatanNama=latest["jabatanFungsionalNama"]
        or latest["jabatanFungsionalUmumNama"]
        or latest["namaJabatan"],
        tmtJabatan=latest["tmtJabatan"],
    )


# --- the demo agency ----------------------------------------------------------------------------------

DOCUMENT_NAMES = {
    "872": "SK Jabatan",
    "873": "Surat Pelantikan",
    "874": "Sertifikat Diklat",
    "881": "Sertifikat Kursus",
}

GOLONGAN = [
    ("11", "I/a", "Juru Muda"),
    ("12", "I/b", "Juru Muda Tingkat I"),
    ("13", "I/c", "Juru"),
    ("14", "I/d", "Juru Tingkat I"),
    ("21", "II/a", "Pengatur Muda"),
    ("22", "II/b", "Pengatur Muda Tingkat I"),
    ("23", "II/c", "Pengatur"),
    ("24", "II/d", "Pengatur Tingkat I"),
    ("31", "III/a", "Penata Muda"),
    ("32", "III/b", "Penata Muda Tingkat I"),
    ("33", "III/c", "Penata"),
    ("34", "III/d", "Penata Tingkat I"),
    ("41", "IV/a", "Pembina"),
    ("42", "IV/b", "Pembina Tingkat I"),
    ("43", "IV/c", "Pembina Utama Muda"),
    ("44", "IV/d", "Pembina Utama Madya"),
    ("45", "IV/e", "Pembina Utama"),
]
ESELON = [("21", "II.a"), ("22", "II.b"), ("31", "III.a"), ("32", "III.b"), ("41", "IV.a"), ("42", "IV.b")]
JENIS_JABATAN = [
    ("1", "Struktural"),
    ("2", "Fungsional Tertentu"),
    ("3", "Rangkap"),
    ("4", "Fungsional Umum"),
]
FUNGSIONAL = [
    "Analis Kebijakan Ahli Muda",
    "Pranata Komputer Ahli Pertama",
    "Perencana Ahli Muda",
    "Auditor Ahli Muda",
]
PELAKSANA = ["Pengadministrasi Umum", "Pengelola Data", "Analis Kepegawaian", "Bendahara", "Pengemudi"]
PENDIDIKAN = [
    ("18", "SLTA", "SMA IPA"),
    ("40", "S-1/Sarjana", "S-1 Ilmu Administrasi Negara"),
    ("40", "S-1/Sarjana", "S-1 Teknik Informatika"),
    ("45", "S-2", "S-2 Manajemen"),
]
UNITS = [
    "Sekretariat",
    "Bidang Mutasi",
    "Bidang Pengembangan",
    "Bidang Informasi",
    "Bidang Penilaian Kinerja",
]
GIVEN_NAMES = [
    "Agus",
    "Budi",
    "Citra",
    "Dewi",
    "Eko",
    "Fitri",
    "Gita",
    "Hendra",
    "Indah",
    "Joko",
    "Kartika",
    "Lestari",
    "Made",
    "Nur",
    "Putu",
    "Rina",
    "Sri",
    "Taufik",
    "Wahyu",
    "Yuni",
]
FAMILY_NAMES = [
    "Santoso",
    "Wijaya",
    "Pratama",
    "Lestari",
    "Saputra",
    "Hidayat",
    "Nugroho",
    "Siregar",
    "Simanjuntak",
    "Rahmawati",
    "Kusuma",
    "Halim",
    "Pangaribuan",
    "Sembiring",
]
CITIES = ["Mamuju", "Makassar", "Majene", "Polewali", "Palu", "Jakarta", "Bandung", "Surabaya"]
DEMO_AS_OF = date(2026, 12, 1)


def _dmy(day: date | None) -> str:
    return day.strftime("%d-%m-%Y") if day else NO_DATE


def _first_of_next_month(day: date) -> date:
    # A PNS retires at the start of the month after the one in which they reach the BUP age.
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _guid(rng: random.Random, *, lower: bool = False) -> str:
    value = f"{rng.getrandbits(128):032X}"
    return value.lower() if lower else value


def demo_agency(*, seed: int = 7601, people: int = 300, state: SiasnState | None = None) -> SiasnState:
    """A kabupaten agency's SIASN data built from `seed` alone: the same seed gives the same GUIDs, NIPs and
    histories every run. Unors (a dinas per unit name under the setda), referensi lists, and `people` PNS
    with data-utama and riwayat jabatan, golongan, pendidikan, diklat and skp22."""
    rng = random.Random(seed)
    state = state if state is not None else SiasnState(seed=seed)
    state.instansi_id = _guid(rng)
    state.satuan_kerja_id = _guid(rng)
    agency = "Pemerintah Kabupaten Mamuju"

    state.referensi.update(
        {
            "golongan": [{"id": c, "nama": n, "namaPangkat": p} for c, n, p in GOLONGAN],
            "eselon": [{"id": c, "nama": n} for c, n in ESELON],
            "jenis-jabatan": [{"id": c, "nama": n} for c, n in JENIS_JABATAN],
            "jabatan-fungsional": [{"id": _guid(rng), "nama": n} for n in FUNGSIONAL],
            "jabatan-fungsional-umum": [{"id": _guid(rng), "nama": n} for n in PELAKSANA],
            "pendidikan": [{"id": _guid(rng), "nama": n, "tkPendidikanId": t} for t, _, n in PENDIDIKAN],
        }
    )
    state.bare_referensi.update({"eselon", "jenis-jabatan"})

    root = _guid(rng)
    state.unors.append(
        _unor(root, state.instansi_id, "", "21", "Sekretariat Daerah", "Sekretaris Daerah", root)
    )
    for index, name in enumerate(["Badan Kepegawaian", "Dinas Pendidikan", "Dinas Kesehatan", "Inspektorat"]):
        head = _guid(rng)
        state.unors.append(_unor(head, state.instansi_id, root, "22", name, f"Kepala {name}", head, index))
        for unit in UNITS:
            state.unors.append(
                _unor(_guid(rng), state.instansi_id, head, "32", f"{unit} {name}", f"Kepala {unit}", head)
            )

    fungsional = state.referensi["jabatan-fungsional"]
    pelaksana = state.referensi["jabatan-fungsional-umum"]
    pendidikan = state.referensi["pendidikan"]
    for sequence in range(1, people + 1):
        born = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 365 * 35))
        cpns = date(born.year + rng.randint(21, 30), rng.randint(1, 12), 1)
        male = rng.random() < 0.5
        nip = f"{born:%Y%m%d}{cpns:%Y%m}{1 if male else 2}{sequence % 1000 or 1:03d}"
        unor = rng.choice(state.unors[1:])
        kind = rng.choice(["2", "4", "4"])
        jabatan = rng.choice(fungsional if kind == "2" else pelaksana)
        grade = rng.randrange(8, 14)
        pns_id = _guid(rng)
        tmt_jabatan = cpns + timedelta(days=rng.randrange(365, 365 * 6))
        tmt_gol = cpns + timedelta(days=365 * rng.randint(2, 12))
        school = rng.choice(pendidikan)
        name = f"{rng.choice(GIVEN_NAMES)} {rng.choice(FAMILY_NAMES)}"
        base = {"idPns": pns_id, "nipBaru": nip, "nipLama": ""}
        jabatan_history = [
            {
                **base,
                "id": _guid(rng, lower=True)
                if when < date(2020, 1, 1)
                else str(uuid.UUID(int=rng.getrandbits(128))),
                "jenisJabatan": kind,
                "instansiKerjaId": state.instansi_id,
                "instansiKerjaNama": agency,
                "satuanKerjaId": state.satuan_kerja_id,
                "satuanKerjaNama": agency,
                "unorId": unor["Id"],
                "unorNama": unor["NamaUnor"],
                "unorIndukId": unor["DiatasanId"],
                "unorIndukNama": "",
                "eselon": None,
                "eselonId": None,
                "jabatanFungsionalId": jabatan["id"] if kind == "2" else "",
                "jabatanFungsionalNama": jabatan["nama"] if kind == "2" else "",
                "jabatanFungsionalUmumId": jabatan["id"] if kind == "4" else "",
                "jabatanFungsionalUmumNama": jabatan["nama"] if kind == "4" else "",
                "namaJabatan": jabatan["nama"],
                "namaUnor": unor["NamaUnor"],
                "tmtJabatan": _dmy(when),
                "nomorSk": f"821/{rng.randint(100, 999)}/BKPSDM/{when.year}",
                "tanggalSk": _dmy(when - timedelta(days=14)),
                "tmtPelantikan": NO_DATE,
                "path": {"": {"dok_id": "", "dok_nama": "", "dok_uri": "", "object": "", "slug": ""}},
                "jenisPenugasanId": "D",
                "jenisMutasiId": "MJ",
                "subJabatanId": "0",
                "tmtMutasi": NO_DATE,
            }
            for when in (cpns, tmt_jabatan)
        ]
        golongan_history = [
            {
                **base,
                "id": _guid(rng, lower=True),
                "golonganId": GOLONGAN[index][0],
                "golongan": GOLONGAN[index][1],
                "pangkat": GOLONGAN[index][2],
                "skNomor": f"823/{rng.randint(100, 999)}/{when.year}",
                "skTanggal": _dmy(when - timedelta(days=30)),
                "tmtGolongan": _dmy(when),
                "noPertekBkn": "",
                "tglPertekBkn": NO_DATE,
                "jumlahKreditUtama": "0",
                "jumlahKreditTambahan": "0",
                "jenisKPId": "101",
                "jenisKPNama": "Reguler",
                "masaKerjaGolonganTahun": str((when - cpns).days // 365),
                "masaKerjaGolonganBulan": "0",
                "path": {},
            }
            for index, when in ((grade - 1, cpns), (grade, tmt_gol))
        ]
        data_utama = {
            "id": pns_id,
            "nipBaru": nip,
            "nipLama": "",
            "nama": name,
            "gelarDepan": "",
            "gelarBelakang": "S.Kom." if "Informatika" in school["nama"] else "",
            "tempatLahir": rng.choice(CITIES),
            "tglLahir": _dmy(born),
            "agama": "Islam",
            "agamaId": "1",
            "email": f"{name.lower().replace(' ', '.')}{sequence}@example.id",
            "emailGov": "",
            "nik": f"76{rng.randrange(10**13, 10**14)}",
            "jenisKelamin": "M" if male else "F",
            "jenisPegawaiId": "4",
            "jenisPegawaiNama": "PNS Daerah Kabupaten/Kota",
            "kedudukanPnsId": "01",
            "kedudukanPnsNama": "Aktif",
            "statusPegawai": "PNS",
            "tmtCpns": _dmy(cpns),
            "tmtPns": _dmy(cpns + timedelta(days=365)),
            "instansiIndukId": state.instansi_id,
            "instansiIndukNama": agency,
            "instansiKerjaId": state.instansi_id,
            "instansiKerjaNama": agency,
            "satuanKerjaIndukId": state.satuan_kerja_id,
            "satuanKerjaIndukNama": agency,
            "satuanKerjaKerjaId": state.satuan_kerja_id,
            "satuanKerjaKerjaNama": agency,
            "unorId": unor["Id"],
            "unorNama": unor["NamaUnor"],
            "unorIndukId": unor["DiatasanId"],
            "unorIndukNama": "",
            "jenisJabatanId": kind,
            "jenisJabatan": dict(JENIS_JABATAN)[kind],
            "jabatanNama": jabatan["nama"],
            "jabatanStrukturalId": "",
            "jabatanStrukturalNama": "",
            "jabatanFungsionalId": jabatan["id"] if kind == "2" else "",
            "jabatanFungsionalNama": jabatan["nama"] if kind == "2" else "",
            "jabatanFungsionalUmumId": jabatan["id"] if kind == "4" else "",
            "jabatanFungsionalUmumNama": jabatan["nama"] if kind == "4" else "",
            "tmtJabatan": _dmy(tmt_jabatan),
            "golRuangAwalId": GOLONGAN[grade - 1][0],
            "golRuangAwal": GOLONGAN[grade - 1][1],
            "golRuangAkhirId": GOLONGAN[grade][0],
            "golRuangAkhir": GOLONGAN[grade][1],
            "pangkatAwal": GOLONGAN[grade - 1][2],
            "pangkatAkhir": GOLONGAN[grade][2],
            "tmtGolAkhir": _dmy(tmt_gol),
            "mkTahun": (DEMO_AS_OF - cpns).days // 365,
            "mkBulan": (DEMO_AS_OF - cpns).days % 365 // 31,
            "eselon": "",
            "eselonId": "",
            "tmtEselon": NO_DATE,
            "tkPendidikanTerakhirId": school["tkPendidikanId"],
            "pendidikanTerakhirId": school["id"],
            "pendidikanTerakhirNama": school["nama"],
            "tahunLulus": str(born.year + 22),
            "bupPensiun": 58,
            "tmtPensiun": _dmy(_first_of_next_month(date(born.year + 58, born.month, 1))),
            "tglMeninggal": NO_DATE,
            "path": {},
        }
        state.add_person(
            data_utama,
            jabatan=jabatan_history,
            golongan=golongan_history,
            pendidikan=[
                {
                    **base,
                    "id": _guid(rng, lower=True),
                    "pendidikanId": school["id"],
                    "pendidikanNama": school["nama"],
                    "tkPendidikanId": school["tkPendidikanId"],
                    "tahunLulus": str(born.year + 22),
                    "tglLulus": _dmy(date(born.year + 22, 8, 31)),
                    "nomorIjasah": f"{rng.randrange(10**9, 10**10)}",
                    "namaSekolah": f"Universitas {rng.choice(CITIES)}",
                    "path": {},
                }
            ],
            diklat=[
                {
                    **base,
                    "id": _guid(rng, lower=True),
                    "latihanStrukturalId": "8",
                    "latihanStrukturalNama": "Diklat Prajabatan",
                    "nomor": f"PRAJAB/{cpns.year}/{sequence:04d}",
                    "tanggal": _dmy(cpns + timedelta(days=200)),
                    "tahun": str(cpns.year),
                    "path": {},
                }
            ],
            skp22=[
                {
                    **base,
                    "id": str(uuid.UUID(int=rng.getrandbits(128))),
                    "tahun": str(year),
                    "hasilKinerjaNilai": rng.choice(["2", "3", "3", "4"]),
                    "perilakuKerjaNilai": rng.choice(["2", "3", "3", "4"]),
                    "kuadranKinerjaNilai": rng.choice(["2", "3", "3", "4"]),
                    "path": {},
                }
                for year in (2023, 2024, 2025)
            ],
        )
    return state


def _unor(
    unor_id: str,
    instansi: str,
    above: str,
    eselon: str,
    name: str,
    position: str,
    induk: str,
    index: int = 0,
) -> dict[str, Any]:
    return {
        "Id": unor_id,
        "InstansiId": instansi,
        "DiatasanId": above,
        "EselonId": eselon,
        "NamaUnor": name,
        "NamaJabatan": position,
        "CepatKode": f"{index:02d}",
        "IndukUnorId": induk,
        "PemimpinPnsId": "",
        "JenisUnorId": "1",
    }


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="The SIASN contract fake, with a demo agency's data.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--seed", type=int, default=7601)
    parser.add_argument("--people", type=int, default=300)
    arguments = parser.parse_args(argv)
    uvicorn.run(
        create_app(demo_agency(seed=arguments.seed, people=arguments.people)),
        host=arguments.host,
        port=arguments.port,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
