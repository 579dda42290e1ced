"""How many SMS segments a text takes: GSM 03.38 (7-bit) when every character is in its alphabet, else UCS-2."""

BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
         "¿abcdefghijklmnopqrstuvwxyzäöñüà")
EXTENDED = "^{}\\[~]|€\f"  # each takes two septets (escape + character)
GSM7_SINGLE, GSM7_MULTI, UCS2_SINGLE, UCS2_MULTI = 160, 153, 70, 67


def is_gsm7(text: str) -> bool:
    return all(ch in BASIC or ch in EXTENDED for ch in text)


def septets(text: str) -> int:
    return sum(2 if ch in EXTENDED else 1 for ch in text)


def segments(text: str) -> int:
    """The number of SMS segments `text` is sent in (concatenated SMS lose a few characters to their header)."""
    if is_gsm7(text):
        length, single, multi = septets(text), GSM7_SINGLE, GSM7_MULTI
    else:
        length, single, multi = len(text.encode("utf-16-be")) // 2, UCS2_SINGLE, UCS2_MULTI
    if length <= single:
        return 1
    return -(-length // multi)


def sms_text(payload: dict) -> str:
    """The text an SMS carries: the message's own one-segment SMS text if it has one, else title and body."""
    if payload.get("sms"):
        return payload["sms"]
    return f"{payload.get('title', '')}\n{payload.get('body', '')}".strip()
