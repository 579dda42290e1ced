"""Anonymous limits count per real client: X-Forwarded-For is honoured only from configured trusted proxies
(KENTONGAN_TRUSTED_PROXIES), so a client cannot mint itself a fresh bucket per request by writing the header,
and citizens behind one ingress no longer share one bucket."""

import ipaddress

import httpx
import pytest

REPORT = {
    "category": "bullying", "narrative": "Anak saya dirundung di sekolah setiap hari.",
    "victim": {"age_group": "child", "gender": "male", "is_reporter": False},
    "perpetrator_relation": "classmate", "anonymous": True,
    "consent": {"share_with_agencies": False, "contact_me": False},
}
LIMIT = 3


@pytest.fixture(scope="module", autouse=True)
def _default_limit_afterwards(services):
    """The shared report-intake process gets its usual limit back for the tests after these."""
    yield
    services.start("report-intake", REPORT_INTAKE_REPORTS_PER_MINUTE="600")


async def _submit(client: httpx.AsyncClient, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return (await client.post("/v1/reports", json=REPORT, headers=headers)).status_code


async def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(services):
    # No trusted proxy: the peer (this test, 127.0.0.1) is the client whatever the header says.
    url = services.start("report-intake", REPORT_INTAKE_REPORTS_PER_MINUTE=str(LIMIT),
                         KENTONGAN_TRUSTED_PROXIES="").url
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        statuses = [await _submit(client, forwarded_for=f"198.51.100.{n}") for n in range(LIMIT + 2)]

    assert statuses[:LIMIT] == [201] * LIMIT
    assert statuses[LIMIT:] == [429, 429]


async def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(services):
    # The test plays the ingress, connecting from 127.0.0.2 (not the loopback address servers trust by
    # default); each citizen's address arrives in X-Forwarded-For.
    url = services.start("report-intake", REPORT_INTAKE_REPORTS_PER_MINUTE=str(LIMIT),
                         KENTONGAN_TRUSTED_PROXIES="127.0.0.2/32").url
    ingress = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(base_url=url, transport=ingress, timeout=10) as client:
        # What the citizen wrote itself stays on the left; the ingress appended the address it saw.
        first = [await _submit(client, f"10.0.0.{n}, 203.0.113.10") for n in range(LIMIT + 1)]
        second = [await _submit(client, "203.0.113.20") for _ in range(LIMIT)]

    assert first == [201] * LIMIT + [429]  # one citizen, whatever it claims to be forwarding for
    assert second == [201] * LIMIT  # another citizen behind the same ingress is not held up


@pytest.mark.parametrize(("peer", "header", "client"), [
    ("203.0.113.7", ["198.51.100.1"], "203.0.113.7"),  # not a proxy of ours: its header is its own word
    ("10.1.2.3", ["198.51.100.1"], "198.51.100.1"),
    ("10.1.2.3", ["1.1.1.1, 198.51.100.1"], "198.51.100.1"),  # the left part came from the client
    ("10.1.2.3", ["198.51.100.1, 10.9.9.9"], "198.51.100.1"),  # two trusted hops
    ("10.1.2.3", ["198.51.100.1", "10.9.9.9"], "198.51.100.1"),  # the header repeated
    ("10.1.2.3", ["[2001:db8::5]:4711"], "2001:db8::5"),
    ("10.1.2.3", ["198.51.100.1:4711"], "198.51.100.1"),
    ("10.1.2.3", ["not-an-address"], "10.1.2.3"),  # unreadable: the last address a trusted hop vouched for
    ("10.1.2.3", [], "10.1.2.3"),
    ("::ffff:10.1.2.3", ["198.51.100.1"], "198.51.100.1"),  # an IPv4 proxy seen over IPv6
])
def test_the_client_is_the_right_most_address_that_is_not_a_trusted_proxy(peer, header, client):
    from kentongan.ratelimit import forwarded_client

    trusted = (ipaddress.ip_network("10.0.0.0/8"),)
    assert forwarded_client(peer, header, trusted) == client


def test_with_no_trusted_proxy_the_peer_is_always_the_client():
    from kentongan.ratelimit import forwarded_client

    assert forwarded_client("127.0.0.1", ["198.51.100.1"], ()) == "127.0.0.1"


async def test_device_registrations_are_limited_per_real_client_too(serve, monkeypatch):
    from alarm_gateway.main import create_app
    from alarm_gateway.settings import Settings

    app = create_app(Settings(registrations_per_minute=2, trusted_proxies="192.0.2.1/32"))

    async def register(peer: str, forwarded_for: str) -> int:
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            response = await client.post("/v1/devices", json={}, headers={"X-Forwarded-For": forwarded_for})
            return response.status_code

    async with serve(app):
        spoofed = [await register("203.0.113.9", f"198.51.100.{n}") for n in range(3)]
        via_ingress = [await register("192.0.2.1", "198.51.100.77") for _ in range(3)]
        other_citizen = await register("192.0.2.1", "198.51.100.78")

    assert spoofed == [201, 201, 429]
    assert via_ingress == [201, 201, 429]
    assert other_citizen == 201
