"""Every SMS template fits one GSM-7 segment (160 characters) with the longest values it can be given."""

import pytest

from kentongan import geo
from notifier import templates
from notifier.channels.gsm7 import is_gsm7, segments

LONGEST_KECAMATAN = max(geo.KECAMATAN, key=len)
PLACE = f"Kel. Tambakaji Purwoyoso, Kec. {LONGEST_KECAMATAN}"  # a long kelurahan and the longest kecamatan
SMS_KINDS = sorted(templates._templates()["sms"])


def test_segments_count_gsm7_and_unicode():
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("€" * 80) == 1
    assert not is_gsm7("Kentongan 🚨") and segments("é" * 70) == 1 and segments("ş" * 71) == 2


@pytest.mark.parametrize("kind", SMS_KINDS)
@pytest.mark.parametrize("language", templates.LANGUAGES)
def test_each_sms_template_is_one_gsm7_segment(kind, language):
    categories = templates._templates()["categories"][language]
    longest = max(categories, key=lambda c: len(categories[c]))
    text = templates.sms_text(kind, language, {"place": PLACE, "time": "23:59 WIB"}, category=longest)
    assert is_gsm7(text), text
    assert segments(text) == 1, f"{kind}/{language}: {len(text)} characters: {text}"
