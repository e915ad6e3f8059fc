"""The gateway's identity, built once over one database: sessions (logging in and out), people's accounts,
agency clients and their role grants, sharing one issuer of access tokens and one list of revocations."""

from services.gateway.service.clients import Clients
from services.gateway.service.grants import Grants
from services.gateway.service.sessions import Sessions
from services.gateway.service.tokens import AccessTokens, Revocations
from services.gateway.service.users import Users
from services.gateway.settings import GatewaySettings
from shared.db import Database


class Identity:
    def __init__(
        self,
        settings: GatewaySettings,
        db: Database,
        tokens: AccessTokens | None = None,
        revocations: Revocations | None = None,
    ) -> None:
        self.settings = settings
        revocations = revocations or Revocations(settings.access_token_ttl_seconds)
        self.sessions = Sessions(settings, db, tokens or AccessTokens(settings), revocations)
        self.users = Users(settings, db, revocations)
        self.clients = Clients(settings, db, revocations)
        self.grants = Grants(db)
