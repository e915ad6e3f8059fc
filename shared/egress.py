"""Calls to addresses that users give us (webhook receivers), guarded against server-side request forgery.

A user-given URL must not make the platform call into its own network: loopback, private, link-local,
multicast, reserved or unspecified addresses, an IPv4 one carried inside an IPv6 address included. The
`DestinationGuard` resolves a host once, checks every address of the answer, and hands back the address to
connect to: connecting to that pinned address (never resolving the name again) is what stops a DNS answer
that changes between the check and the connection (DNS rebinding). An administrator may allow networks
(a receiver inside the province's own network), which are then called whatever their kind.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Answers the addresses of a host name (a port of our own, so tests answer with a fake resolver).
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]

# RFC 6052's well-known NAT64 prefix: the last 32 bits are the IPv4 address a translator would reach.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class DestinationRefused(Exception):
    """The destination is not called; the message says why, for a person to read."""


class HostUnresolved(DestinationRefused):
    """The host name has no address now (unknown, or the resolver failed or was too slow)."""


@dataclass(frozen=True)
class Pinned:
    """A URL whose host is replaced by the checked address, so a connection cannot go where a second DNS
    answer points; the URL's own host stays the Host header and, over TLS, the server name sent (SNI) and
    checked against the certificate."""

    url: str
    host: str
    server_hostname: str | None


@dataclass(frozen=True)
class Destination:
    host: str
    port: int
    address: IPAddress

    def pinned(self, url: str) -> Pinned:
        """`url` (whose host is this destination's) to be requested at the checked address."""
        parts = urlsplit(url)
        port = "" if parts.port is None else f":{parts.port}"
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@" if userinfo else ""
        return Pinned(
            url=urlunsplit(parts._replace(netloc=f"{netloc}{_bracketed(str(self.address))}{port}")),
            host=f"{_bracketed(self.host)}{port}",
            server_hostname=self.host if parts.scheme == "https" else None,
        )


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer for `host`, each address once, in its order."""
    answers = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


def parse_networks(networks: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDR networks ("10.20.0.0/16", or an address alone for just that one); ValueError names a bad one."""
    return tuple(ipaddress.ip_network(network.strip(), strict=True) for network in networks)


def _carried(address: IPAddress) -> Iterator[IPAddress]:
    """Any IPv4 address the address carries, which is where a connection to it would end up (so it names the
    reason first), and the address itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            yield address.ipv4_mapped
        if address.sixtofour is not None:
            yield address.sixtofour
        if address.teredo is not None:
            yield from address.teredo
        if address in _NAT64:
            yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    yield address


def refusal(address: IPAddress) -> str | None:
    """Why `address` is not called (e.g. "a private address"), or None for a public one."""
    for candidate in _carried(address):
        if candidate.is_unspecified:
            return "the unspecified address"
        if candidate.is_loopback:
            return "a loopback address"
        if candidate.is_link_local:
            return "a link-local address"
        if candidate.is_multicast:
            return "a multicast address"
        if candidate.is_private:
            return "a private address"
        if candidate.is_reserved:
            return "a reserved address"
        # Shared (carrier-grade NAT) space and the like are neither private nor public.
        if not candidate.is_global:
            return "not a public address"
    return None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


class DestinationGuard:
    """Resolves and checks destinations; `allowed` networks are called even when not public."""

    def __init__(
        self,
        allowed: Iterable[IPNetwork] = (),
        *,
        resolver: Resolver = system_resolver,
        timeout: float = 5.0,
    ) -> None:
        self.allowed = tuple(allowed)
        self.resolver = resolver
        self.timeout = timeout

    def is_allowed(self, address: IPAddress) -> bool:
        return any(
            candidate.version == network.version and candidate in network
            for candidate in _carried(address)
            for network in self.allowed
        )

    def check(self, address: IPAddress) -> str | None:
        """Why `address` is refused, or None when it may be called."""
        return None if self.is_allowed(address) else refusal(address)

    async def destination(self, host: str, port: int) -> Destination:
        """The address to connect to for host:port: DestinationRefused (HostUnresolved when the name has no
        address) unless every address the host has may be called."""
        literal = _literal(host)
        if literal is not None:
            reason = self.check(literal)
            if reason:
                raise DestinationRefused(f"{host} is {reason}")
            return Destination(host, port, literal)
        try:
            async with asyncio.timeout(self.timeout):
                answers = await self.resolver(host, port)
        except (OSError, TimeoutError) as failure:
            raise HostUnresolved(f"{host} does not resolve") from failure
        addresses = [ipaddress.ip_address(answer) for answer in answers]
        if not addresses:
            raise HostUnresolved(f"{host} does not resolve")
        # Any refused address refuses the host: a connection might otherwise be made to it on a retry.
        for address in addresses:
            reason = self.check(address)
            if reason:
                raise DestinationRefused(f"{host} resolves to {reason}")
        return Destination(host, port, addresses[0])
