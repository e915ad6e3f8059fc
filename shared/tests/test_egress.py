"""The destination guard: which addresses a user-given URL may reach, resolved once and pinned."""

import asyncio
import ipaddress

import pytest

from shared.egress import DestinationGuard, DestinationRefused, HostUnresolved, parse_networks, refusal

pytestmark = pytest.mark.unit


class FakeDns:
    """Answers from a table, and counts the questions."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError(f"no such host {host}")
        return self.answers[host]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.8.9.10", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.0.0.1", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fd00::1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("0.0.0.0", "the unspecified address"),
        ("::", "the unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("240.0.0.1", "a private address"),
        ("192.0.2.1", "a private address"),
        ("100.64.0.1", "not a public address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("::ffff:169.254.169.254", "a link-local address"),
        ("2002:7f00:1::", "a loopback address"),
        ("2002:a00:1::", "a private address"),
        ("64:ff9b::a00:1", "a private address"),
        ("2001:db8::1", "a private address"),
    ],
)
def test_an_address_inside_a_network_or_carried_inside_an_ipv6_one_is_refused(address, reason):
    assert refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001::1"])
def test_a_public_address_is_not_refused(address):
    assert refusal(ipaddress.ip_address(address)) is None


def test_an_allowed_network_is_called_whatever_its_kind():
    guard = DestinationGuard(parse_networks(["127.0.0.1/32", "10.20.0.0/16"]))
    assert guard.check(ipaddress.ip_address("127.0.0.1")) is None
    assert guard.check(ipaddress.ip_address("::ffff:127.0.0.1")) is None
    assert guard.check(ipaddress.ip_address("10.20.3.4")) is None
    assert guard.check(ipaddress.ip_address("10.21.0.1")) == "a private address"
    assert guard.check(ipaddress.ip_address("127.0.0.2")) == "a loopback address"


def test_a_network_with_host_bits_is_a_mistake_not_an_allowance():
    with pytest.raises(ValueError, match="host bits"):
        parse_networks(["10.0.0.1/8"])


async def test_a_literal_address_is_judged_without_asking_the_resolver():
    dns = FakeDns({})
    guard = DestinationGuard(resolver=dns)
    with pytest.raises(DestinationRefused) as refused:
        await guard.destination("169.254.169.254", 80)
    assert str(refused.value) == "169.254.169.254 is a link-local address"
    with pytest.raises(DestinationRefused, match="a loopback address"):
        await guard.destination("[::1]", 80)
    assert dns.asked == []


async def test_a_name_is_refused_when_any_of_its_addresses_is():
    dns = FakeDns({"mixed.test": ["8.8.8.8", "10.1.2.3"], "inside.test": ["192.168.0.7"]})
    guard = DestinationGuard(resolver=dns)
    for host in ("mixed.test", "inside.test"):
        with pytest.raises(DestinationRefused) as refused:
            await guard.destination(host, 443)
        assert str(refused.value) == f"{host} resolves to a private address"


async def test_a_name_without_an_address_is_unresolved_not_refused_for_its_kind():
    guard = DestinationGuard(resolver=FakeDns({"empty.test": []}))
    with pytest.raises(HostUnresolved):
        await guard.destination("nowhere.test", 80)
    with pytest.raises(HostUnresolved):
        await guard.destination("empty.test", 80)


async def test_a_slow_resolver_counts_as_unresolved():
    async def never(host: str, port: int) -> list[str]:
        await asyncio.Event().wait()
        return []

    with pytest.raises(HostUnresolved):
        await DestinationGuard(resolver=never, timeout=0.01).destination("slow.test", 80)


async def test_the_url_is_pinned_to_the_checked_address_keeping_its_host_for_the_receiver():
    dns = FakeDns({"hooks.sikep.test": ["127.0.0.1"]})
    guard = DestinationGuard(parse_networks(["127.0.0.1/32"]), resolver=dns)
    destination = await guard.destination("hooks.sikep.test", 8443)
    pinned = destination.pinned("https://user:pw@hooks.sikep.test:8443/asn?x=1")
    assert pinned.url == "https://user:pw@127.0.0.1:8443/asn?x=1"
    assert pinned.host == "hooks.sikep.test:8443"
    assert pinned.server_hostname == "hooks.sikep.test"
    assert dns.asked == ["hooks.sikep.test"]


async def test_an_ipv6_destination_is_bracketed_in_the_pinned_url():
    guard = DestinationGuard(parse_networks(["::1/128"]))
    pinned = (await guard.destination("::1", 80)).pinned("http://[::1]/asn")
    assert pinned.url == "http://[::1]/asn"
    assert pinned.host == "[::1]"
    assert pinned.server_hostname is None
