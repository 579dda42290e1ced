"""Stream URLs are redacted by parsing: no userinfo, and no query value unless its name only selects a
stream."""

import pytest

from cctv_ingest.redaction import redact_text, redact_url

SECRET = "S3cr3t-Value"  # a marker to look for, not a credential


@pytest.mark.parametrize("name", ["access_token", "api_key", "apikey", "auth_token", "pw", "sig", "signature",
                                  "X-Amz-Signature", "X-Amz-Credential", "token", "password", "passwd", "key",
                                  "secret", "session", "sid", "jwt", "hash", "user", "u", "p", "credential",
                                  "AccessKey", "st", "wowzatokenhash"])
def test_every_query_value_not_on_the_allow_list_is_masked(name):
    url = f"http://nvr.example:8080/live.m3u8?channel=2&{name}={SECRET}&subtype=1"
    redacted = redact_url(url)
    assert SECRET not in redacted
    assert redacted == f"http://nvr.example:8080/live.m3u8?channel=2&{name}=***&subtype=1"


@pytest.mark.parametrize("url", [
    f"rtsp://admin:{SECRET}@10.1.2.3:554/Streaming/Channels/101",
    f"rtsp://{SECRET}@10.1.2.3:554/Streaming/Channels/101",
    f"rtsp://admin:{SECRET}@[fd00::7]:554/Streaming/Channels/101",
    f"http://admin:{SECRET}@cam.local/video.mjpg#{SECRET}",
    f"rtsp://admin:p%40{SECRET}@10.1.2.3/ch1",
])
def test_userinfo_and_fragments_are_dropped(url):
    redacted = redact_url(url)
    assert SECRET not in redacted and "admin" not in redacted and "@" not in redacted


def test_an_unparseable_url_shows_nothing():
    assert redact_url(f"rtsp://admin:{SECRET}@10.1.2.3:99999999/x") == "***"


def test_urls_inside_error_text_are_redacted():
    text = (f"HTTPError: Server returned 401 for 'http://cam.example/x.ts?access_token={SECRET}' "
            f"and rtsp://viewer:{SECRET}@10.0.0.9/ch1 timed out")
    redacted = redact_text(text)
    assert SECRET not in redacted and "viewer" not in redacted
    assert "http://cam.example/x.ts?access_token=***" in redacted and "rtsp://10.0.0.9/ch1" in redacted
