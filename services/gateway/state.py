"""What the gateway's routes reach: its parts, built once in `create_app`."""

from dataclasses import dataclass

from services.gateway.edge import RateLimiter
from services.gateway.proxy import UpstreamPool
from services.gateway.service.apidocs import ApiDocs
from services.gateway.service.identity import Identity
from services.gateway.service.tokens import Gate
from services.gateway.service.views import Aggregator
from services.gateway.service.webhooks import Dispatcher, Webhooks
from services.gateway.settings import GatewaySettings


@dataclass
class GatewayState:
    settings: GatewaySettings
    upstreams: UpstreamPool
    identity: Identity
    gate: Gate
    limiter: RateLimiter
    views: Aggregator
    webhooks: Webhooks
    dispatcher: Dispatcher
    docs: ApiDocs
