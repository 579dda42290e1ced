"""The outbound-URL policy: every spelling of an inside address is refused, and a name is judged again, once
resolved, at connect time (DNS rebinding)."""

import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from kentongan.dev.receivers import serving
from kentongan.outbound import (
    OutboundPolicy,
    UnsafeUrl,
    check_url,
    check_url_resolved,
    outbound_client,
    url_problem,
)
from kentongan.settings import ServiceSettings

STRICT = OutboundPolicy()
LOCAL = OutboundPolicy(allow_private=True)

METADATA = [
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/latest",  # decimal
    "http://0xa9.0xfe.0xa9.0xfe/",  # hex
    "http://0xa9fea9fe/",
    "http://0251.0376.0251.0376/",  # octal
    "http://169.254.43518/",  # inet_aton's short form
    "http://[::ffff:169.254.169.254]/",  # IPv4-mapped IPv6
    "http://[::ffff:a9fe:a9fe]/",
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64
    "http://169.254.169.254./",  # trailing dot
    "http://[fd00:ec2::254]/",  # AWS over IPv6
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://METADATA.google.internal./",
    "http://100.100.100.200/",
]
LOOPBACK_AND_PRIVATE = [
    "http://127.0.0.1:8004/metrics", "http://127.1/", "http://0x7f.1/", "http://2130706433/",
    "http://017700000001/",
    "http://localhost/", "http://localhost./", "http://LocalHost:8005/", "http://api.localhost/",
    "http://[::1]/", "http://[0:0:0:0:0:0:0:1]/", "http://[::ffff:127.0.0.1]/", "http://[2002:7f00:1::]/",
    "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/", "http://100.64.0.1/",
    "http://[fd00::1]/",
    "http://[fc00::5]/", "http://192.0.2.10/",
    "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/",  # full-width digits
    "http://127\u30020\u30020\u30021/",  # ideographic full stops
]
ALWAYS_REFUSED = [
    "http://169.254.1.1/", "http://[fe80::1]/", "http://0.0.0.0/", "http://0/", "http://[::]/",
    "http://224.0.0.1/",
    "http://240.0.0.1/", "http://255.255.255.255/", "http://[ff02::1]/", "http://[::a9fe:a9fe]/",
    # ambiguous or broken spellings
    "http://[fe80::1%25eth0]/", "http://%31%32%37.0.0.1/", "http://127.0.0.1\\@example.org/",
    "http://example.org\\@127.0.0.1/", "http://exa mple.org/", "http://1.2.3.4.5/", "http://256.1.1.1/",
    "http://0x100.1.1.1/", "http:///nohost", "http://example.org:99999/", "ftp://example.org/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO", "//example.org/x", "http://a@b@example.org/",
]
PUBLIC = ["https://example.org/hook", "http://8.8.8.8/x", "https://[2001:4860:4860::8888]/x",
          "http://[::ffff:8.8.8.8]/", "https://partner.example.co.id:8443/k/webhook?x=1",
          "https://EXAMPLE.org./x"]


@pytest.mark.parametrize("url", METADATA)
def test_metadata_endpoints_are_refused_in_every_spelling_even_when_private_targets_are_allowed(url):
    assert url_problem(url, STRICT) is not None
    assert "metadata" in url_problem(url, LOCAL)


@pytest.mark.parametrize("url", LOOPBACK_AND_PRIVATE)
def test_loopback_and_private_targets_are_refused_unless_allowed(url):
    assert url_problem(url, STRICT) is not None
    if url.startswith("http://\uff11"):
        return  # httpx refuses to send full-width digits at all
    assert url_problem(url, LOCAL) is None


@pytest.mark.parametrize("url", ALWAYS_REFUSED)
def test_link_local_reserved_and_ambiguous_urls_are_refused_whatever_the_setting(url):
    assert url_problem(url, LOCAL) is not None


@pytest.mark.parametrize("url", PUBLIC)
def test_public_targets_pass(url):
    assert url_problem(url, STRICT) is None


def test_an_allowed_network_opens_exactly_that_network():
    policy = OutboundPolicy(allowed_networks=(ipaddress.ip_network("10.20.0.0/16"),))
    assert url_problem("https://10.20.3.4/sms", policy) is None
    assert url_problem("https://[::ffff:10.20.3.4]/sms", policy) is None
    assert url_problem("https://10.21.0.1/sms", policy) is not None
    assert url_problem("http://127.0.0.1/", policy) is not None
    metadata = OutboundPolicy(allowed_networks=(ipaddress.ip_network("169.254.0.0/16"),))
    assert "metadata" in url_problem("http://169.254.169.254/", metadata)


def test_credentials_are_refused_unless_the_caller_expects_them():
    assert url_problem("https://user:pw@example.org/", STRICT) is not None
    assert url_problem("rtsp://user:pw@example.org/", STRICT.with_schemes("rtsp"), credentials=True) is None


def test_a_refusal_names_the_field():
    with pytest.raises(UnsafeUrl) as refused:
        check_url("http://[::ffff:169.254.169.254]/", "contacts.0.address", STRICT)
    assert refused.value.status_code == 422
    assert refused.value.detail == [{"field": "contacts.0.address",
                                     "message": "the host is a cloud metadata address"}]


def test_the_settings_build_the_policy_and_refuse_a_bad_network():
    settings = ServiceSettings(outbound_allow_private=False,
                               outbound_allowed_networks="10.20.0.0/16, fd12::/48")
    assert settings.outbound_policy().allowed_networks == (ipaddress.ip_network("10.20.0.0/16"),
                                                           ipaddress.ip_network("fd12::/48"))
    with pytest.raises(ValueError, match="KENTONGAN_OUTBOUND_ALLOWED_NETWORKS"):
        ServiceSettings(outbound_allowed_networks="10.20.0.0/16, intranet")


async def test_a_name_is_judged_by_every_address_it_resolves_to():
    name = socket.gethostname()  # this machine's name: loopback or a private address, never public
    try:
        socket.getaddrinfo(name, 80)
    except OSError:
        pytest.skip("this machine's name does not resolve here")
    with pytest.raises(UnsafeUrl, match=r"resolves to a (loopback|private) address"):
        await check_url_resolved(f"http://{name}/hook", "url", STRICT)
    with pytest.raises(UnsafeUrl, match="does not resolve"):
        await check_url_resolved("https://nothing-here.invalid/hook", "url", STRICT)
    assert await check_url_resolved("http://localhost/", "url", LOCAL) == "http://localhost/"


class RebindingDns(AbstractResolver):
    """An attacker's DNS: the name resolves to a public address when it is checked, to loopback afterwards."""

    def __init__(self) -> None:
        self.answers = ["93.184.216.34", "127.0.0.1"]

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        address = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return [ResolveResult(hostname=host, host=address, port=port, family=socket.AF_INET, proto=0,
                              flags=0)]

    async def close(self) -> None:
        return None


async def _reached(url: str, policy: OutboundPolicy, resolver=None):
    async with outbound_client(policy, timeout_s=3, resolver=resolver) as client:
        try:
            return (await client.get(url)).status_code
        except Exception as exc:  # noqa: BLE001 - whatever the caller sees is what the test looks at
            return exc


@pytest.fixture
async def local_receiver():
    calls: list[str] = []

    async def app(scope, receive, send):
        if scope["type"] == "http":
            calls.append(scope["path"])
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"inside"})

    from kentongan.dev.stack import free_port

    port = free_port()
    async with serving(app, port):
        yield port, calls


async def test_a_name_that_rebinds_to_loopback_after_its_check_is_never_connected_to(local_receiver):
    port, calls = local_receiver
    dns = RebindingDns()
    first = await dns.resolve("rebind.example", port)  # what the check at subscription time saw
    assert OutboundPolicy().address_problem(ipaddress.ip_address(first[0]["host"])) is None
    result = await _reached(f"http://rebind.example:{port}/secret", STRICT, resolver=dns)
    assert isinstance(result, Exception) and "outbound policy" in str(result)
    assert calls == []
    rebound = RebindingDns()
    rebound.answers = ["127.0.0.1"]
    assert await _reached(f"http://rebind.example:{port}/fine", LOCAL, resolver=rebound) == 200
    assert calls == ["/fine"]  # the same name does reach loopback where private targets are allowed


async def _posted_raw(url: str, policy: OutboundPolicy, resolver=None):
    async with outbound_client(policy, timeout_s=3, resolver=resolver) as client:
        try:
            return await client.post_raw(url, b"{}", {"content-type": "application/json"})
        except Exception as exc:  # noqa: BLE001 - whatever the caller sees is what the test looks at
            return exc


# The notifier's sends skip httpx's layers (`post_raw`), not the policy: both ways are tried.
@pytest.mark.parametrize("send", [_reached, _posted_raw], ids=["httpx", "post_raw"])
@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f.0.0.1", "[::ffff:127.0.0.1]",
                                  "localhost."])
async def test_the_client_refuses_an_inside_literal_before_connecting(local_receiver, host, send):
    port, calls = local_receiver
    result = await send(f"http://{host}:{port}/metrics", STRICT)
    assert isinstance(result, Exception) and "outbound policy" in str(result)
    assert calls == []


async def test_post_raw_judges_a_name_at_connect_time_and_reads_the_answer(local_receiver):
    port, calls = local_receiver
    dns = RebindingDns()
    await dns.resolve("rebind.example", port)  # public when it was checked; loopback from now on
    result = await _posted_raw(f"http://rebind.example:{port}/secret", STRICT, resolver=dns)
    assert isinstance(result, Exception) and "outbound policy" in str(result)
    rebound = RebindingDns()
    rebound.answers = ["127.0.0.1"]
    assert await _posted_raw(f"http://rebind.example:{port}/fine", LOCAL, resolver=rebound) == (200, b"inside")
    assert calls == ["/fine"]
