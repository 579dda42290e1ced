"""Tiny media files made in the test, with the metadata a phone would write (EXIF GPS, a video's location)."""

import io
import math
import wave
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

GPS = {1: "S", 2: (6.0, 59.0, 2.08), 3: "E", 4: (110.0, 24.0, 33.6)}  # a house in Tembalang
DEVICE = "SM-A546E serial R58T90ABCDE"


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "samsung"  # Make
    exif[0x0110] = DEVICE  # Model
    exif[0x0132] = "2026:12:01 21:14:05"  # DateTime
    exif[0x8825] = GPS  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 255, 128)).save(out, format="PNG", pnginfo=_png_text())
    return out.getvalue()


def _png_text():
    from PIL.PngImagePlugin import PngInfo
    info = PngInfo()
    info.add_text("Comment", DEVICE)
    return info


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 255, 0)).save(out, format="WEBP")
    return out.getvalue()


def heic() -> bytes:
    import pillow_heif
    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 20, 30)).save(out, format="HEIF")
    return out.getvalue()


def pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (255, 255, 255)).save(out, format="PDF")
    return out.getvalue()


VICTIM = "Nama Korban"


def pdf_with_author(text: str = "Ancaman lewat pesan") -> bytes:
    """A one-page PDF saying `text`, whose document info, XMP packet and a comment's author name the survivor
    (as a phone's PDF export, a scanner app or a PDF editor writes the account's name)."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter()
    page = writer.add_blank_page(200, 100)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"):
                             NameObject("/Type1"), NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
        {NameObject("/F1"): writer._add_object(font)})})
    content = DecodedStreamObject()
    content.set_data(f"BT /F1 12 Tf 10 50 Td ({text}) Tj ET".encode())
    page[NameObject("/Contents")] = writer._add_object(content)
    comment = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"):
                                NameObject("/Text"), NameObject("/T"): TextStringObject(VICTIM),
                                NameObject("/Contents"): TextStringObject("lihat pesan ini"),
                                NameObject("/M"): TextStringObject("D:20261201211405+07'00'"),
                                NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (10, 10, 30, 30)])})
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(comment)])
    writer.add_metadata({"/Author": VICTIM, "/Creator": f"Scanner of {VICTIM}", "/Producer": DEVICE,
                         "/Title": f"Bukti {VICTIM}", "/CreationDate": "D:20261201211405+07'00'"})
    xmp = DecodedStreamObject()
    xmp.set_data(XMP.format(name=VICTIM).encode())
    xmp.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_active_content(text: str = "Foto ancaman") -> bytes:
    """A one-page PDF that would run scripts when opened (document and page open actions, a named script, a
    link whose action is a script, a launch action) and carries a file inside it, twice over (the catalog's
    embedded files and a file-attachment annotation): what an attacker posing as a reporter could send an
    agency. One plain web link is there too."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

    def script(code: str) -> DictionaryObject:
        return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"):
                                 TextStringObject(code)})

    def annotation(subtype: str, **entries: object) -> DictionaryObject:
        entry = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"):
                                  NameObject(subtype), NameObject("/Rect"):
                                  ArrayObject([NumberObject(n) for n in (10, 10, 30, 30)])})
        entry.update({NameObject(f"/{key}"): value for key, value in entries.items()})
        return entry

    writer = PdfWriter(clone_from=io.BytesIO(pdf_with_author(text)))
    page = writer.pages[0]
    writer.add_attachment("payload.exe", b"MZ not really a program")
    writer._root_object["/Names"][NameObject("/JavaScript")] = DictionaryObject({NameObject("/Names"): ArrayObject(
        [TextStringObject("catalog"), writer._add_object(script("app.alert('catalog script')"))])})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(script("app.alert('open')"))
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): script("app.alert('page open')")})
    launch = DictionaryObject({NameObject("/S"): NameObject("/Launch"), NameObject("/F"):
                               TextStringObject("cmd.exe")})
    web = DictionaryObject({NameObject("/S"): NameObject("/URI"), NameObject("/URI"):
                            TextStringObject("https://semarangkota.go.id/")})
    carried = annotation("/FileAttachment", Contents=TextStringObject("lampiran"))
    page[NameObject("/Annots")].extend(writer._add_object(entry) for entry in (
        annotation("/Link", A=script("app.alert('link')")), annotation("/Link", A=launch),
        annotation("/Link", A=web), carried))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:creator><rdf:Seq><rdf:li>{name}</rdf:li></rdf:Seq></dc:creator></rdf:Description>
</rdf:RDF></x:xmpmeta><?xpacket end="w"?>"""


def mp4_with_location(path: Path, seconds: float = 1.0, size: tuple[int, int] = (64, 48)) -> bytes:
    """A short H.264 + AAC clip whose container says where and on what it was filmed."""
    with av.open(str(path), "w", format="mp4") as container:
        container.metadata["location"] = "-06.9839+110.4093/"
        container.metadata["comment"] = DEVICE
        video = container.add_stream("libx264", rate=10)
        video.width, video.height, video.pix_fmt = *size, "yuv420p"
        audio = container.add_stream("aac", rate=16000)
        for i in range(int(seconds * 10)):
            frame = av.VideoFrame(size[0], size[1], "gray")
            frame.planes[0].update(bytes([i * 20 % 255]) * (size[0] * size[1]))
            frame.pts = i
            container.mux(video.encode(frame))
        container.mux(video.encode())
        for i in range(int(seconds * 16)):
            container.mux(audio.encode(_tone(1024, 16000, i * 1024)))
        container.mux(audio.encode())
    return path.read_bytes()


IPHONE_LOCATION = "-06.9839+110.4093+012.000/"  # ISO 6709, as an iPhone writes where a video was filmed
IPHONE_TAGS = {"com.apple.quicktime.location.ISO6709": IPHONE_LOCATION, "com.apple.quicktime.make": "Apple",
               "com.apple.quicktime.model": "iPhone 15 Pro", "com.apple.quicktime.software": "18.1",
               "com.apple.quicktime.creationdate": "2026-12-01T21:14:05+0700"}


def iphone_mov(path: Path, codec: str = "libx265", size: tuple[int, int] = (64, 48)) -> bytes:
    """A QuickTime `.mov` as an iPhone films it: HEVC + AAC, and Apple's `mdta` keys saying where and on
    which phone."""
    with av.open(str(path), "w", format="mov", options={"movflags": "use_metadata_tags"}) as container:
        container.metadata.update(IPHONE_TAGS)
        video = container.add_stream(codec, rate=10)
        video.width, video.height, video.pix_fmt = *size, "yuv420p"
        video.codec_context.options = {"x265-params": "log-level=error"} if codec == "libx265" else {}
        audio = container.add_stream("aac", rate=16000)
        for i in range(10):
            frame = av.VideoFrame(size[0], size[1], "gray")
            frame.planes[0].update(bytes([i * 20]) * (size[0] * size[1]))
            frame.pts = i
            container.mux(video.encode(frame))
        container.mux(video.encode())
        for i in range(16):
            container.mux(audio.encode(_tone(1024, 16000, i * 1024)))
        container.mux(audio.encode())
    return path.read_bytes()


def audio(path: Path, container_format: str, codec: str) -> bytes:
    """One second of a tone in `container_format` (ogg/opus, mp3, ipod/aac), tagged with a title."""
    rate = 48000
    with av.open(str(path), "w", format=container_format) as container:
        container.metadata["title"] = DEVICE
        stream = container.add_stream(codec, rate=rate)
        stream.layout = "mono"
        for i in range(rate // 960):
            container.mux(stream.encode(_tone(960, rate, i * 960)))
        container.mux(stream.encode())
    return path.read_bytes()


def _tone(samples: int, rate: int, start: int) -> av.AudioFrame:
    """`samples` of a 440 Hz tone (signed 16-bit mono), resampled by the encoder to what it takes."""
    frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
    values = (int(8000 * math.sin(2 * math.pi * 440 * (start + n) / rate)) for n in range(samples))
    frame.planes[0].update(b"".join(v.to_bytes(2, "little", signed=True) for v in values))
    frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
    return frame


def wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x01" * 8000)
    return out.getvalue()


def executable() -> bytes:
    """What a `.jpg` that is really a Windows program starts with."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
