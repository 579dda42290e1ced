"""What a file really is (sniffed from its first bytes, never from its name or Content-Type), and a copy of it
without what could find the survivor: images re-encoded from their pixels (EXIF GPS, device serials, times and
every other tag gone), video and audio remuxed into a fresh container without metadata tags, PDFs rewritten
page by page without their document info (author, creator, producer, dates) or XMP metadata.

Runs in a worker thread (it decodes and encodes); files stay on disk, never whole in memory.
"""

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import av
import pillow_heif
from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

pillow_heif.register_heif_opener()

Kind = Literal["image", "video", "audio", "document"]
SNIFF_BYTES = 64
THUMBNAIL_PX = 256
# Decompression bombs: Pillow refuses images over twice this (100 megapixels, ~400 MB decoded), larger than
# any photo a phone saves by default.
Image.MAX_IMAGE_PIXELS = 50_000_000


@dataclass(frozen=True)
class MediaType:
    mime: str
    kind: Kind
    container: str | None = None  # the PyAV (ffmpeg) muxer of the cleaned copy; images: the Pillow format
    stored_mime: str | None = None  # what the cleaned copy is, when not the same (HEIC is re-encoded to JPEG)

    @property
    def served_mime(self) -> str:
        return self.stored_mime or self.mime


JPEG = MediaType("image/jpeg", "image", "JPEG")
PNG = MediaType("image/png", "image", "PNG")
WEBP = MediaType("image/webp", "image", "WEBP")
HEIC = MediaType("image/heic", "image", "JPEG", "image/jpeg")
PDF = MediaType("application/pdf", "document")
MP4 = MediaType("video/mp4", "video", "mp4")
QUICKTIME = MediaType("video/quicktime", "video", "mp4", "video/mp4")
M4A = MediaType("audio/mp4", "audio", "ipod")
AAC = MediaType("audio/aac", "audio", "adts")
OGG = MediaType("audio/ogg", "audio", "ogg")
MP3 = MediaType("audio/mpeg", "audio", "mp3")
WAV = MediaType("audio/wav", "audio", "wav")

HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
AUDIO_BRANDS = {b"M4A ", b"M4B ", b"F4A "}
VIDEO_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash", b"M4V ",
                b"MSNV", b"3gp4", b"3gp5", b"3g2a"}


def sniff(head: bytes) -> MediaType | None:
    """The media type the first bytes of a file prove, or None (refused: 415)."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"OggS"):
        return OGG
    if head[4:8] == b"ftyp":
        return _iso_media(head[8:12])
    if head.startswith(b"ID3"):
        return MP3
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        layer = (head[1] >> 1) & 0b11
        return AAC if layer == 0 and head[1] & 0xF6 == 0xF0 else MP3 if layer == 1 else None
    return None


def _iso_media(brand: bytes) -> MediaType | None:
    if brand in HEIF_BRANDS:
        return HEIC
    if brand in AUDIO_BRANDS:
        return M4A
    if brand in VIDEO_BRANDS:
        return MP4
    return QUICKTIME if brand == b"qt  " else None


class UnreadableMedia(ValueError):
    """The bytes start like the type but do not decode as it."""


def clean_copy(media: MediaType, source: Path, target: Path) -> bytes | None:
    """Write the copy without metadata to `target`; the image's thumbnail (JPEG bytes), else None."""
    try:
        if media.kind == "image":
            return _reencode_image(media, source, target)
        if media.kind in ("video", "audio"):
            _remux(media, source, target)
        else:
            _rewrite_pdf(source, target)
    except (OSError, SyntaxError, ValueError, KeyError, Image.DecompressionBombError, av.FFmpegError,
            PyPdfError) as exc:
        raise UnreadableMedia(str(exc)) from None
    return None


def _reencode_image(media: MediaType, source: Path, target: Path) -> bytes:
    with Image.open(source) as image:
        image.load()
        upright = ImageOps.exif_transpose(image)  # keep how it looked once the orientation tag is gone
    if upright.mode not in ("RGB", "RGBA", "L"):
        has_alpha = "A" in upright.mode or "transparency" in upright.info
        upright = upright.convert("RGBA" if has_alpha and media.container != "JPEG" else "RGB")
    if media.container == "JPEG" and upright.mode == "RGBA":
        upright = upright.convert("RGB")
    # A new image from the raw pixels alone: no info, EXIF, XMP, ICC profile or comment can come along.
    pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    options = {"quality": 90} if media.container in ("JPEG", "WEBP") else {}
    pixels.save(target, format=media.container, **options)
    thumbnail = pixels.convert("RGB")
    thumbnail.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    out = io.BytesIO()
    thumbnail.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _remux(media: MediaType, source: Path, target: Path) -> None:
    """Copy the audio and video packets into a new container; no container or stream tags are carried over
    (titles, GPS `location`, device make and model, creation times)."""
    with av.open(str(source)) as original, av.open(str(target), "w", format=media.container) as copy:
        streams = [stream for stream in original.streams if stream.type in ("video", "audio")]
        if not streams:
            raise UnreadableMedia("no audio or video stream")
        mapping = {}
        for stream in streams:
            out = copy.add_stream_from_template(stream)
            out.metadata.clear()
            if stream.codec_context.name == "hevc":
                out.codec_tag = "hvc1"  # as an iPhone tags it: QuickTime and iOS do not play `hev1` (ffmpeg's)
            mapping[stream.index] = out
        copy.metadata.clear()
        for packet in original.demux(streams):
            if packet.dts is None:
                continue
            packet.stream = mapping[packet.stream_index]
            copy.mux(packet)


# Where a PDF keeps what says who made it, beside the catalog's XMP and the document info: a page's or an
# image's own XMP packet, and the private data of the application that last edited a page.
PAGE_METADATA = ("/Metadata", "/PieceInfo", "/LastModified")


def _rewrite_pdf(source: Path, target: Path) -> None:
    """A new PDF holding the pages alone: only what the pages reach is written, so the document info, the
    catalog's XMP packet and earlier revisions (incremental updates) stay behind; a new file id too."""
    reader = PdfReader(source, strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise UnreadableMedia("the PDF needs a password")
    writer = PdfWriter()
    for page in reader.pages:
        _drop_active_content(page)  # before the copy: what it drops is then never copied at all
        added = writer.add_page(page)
        _drop_keys(added)
        _drop_annotation_authors(added)
        for image in _xobjects(added):
            _drop_keys(image)
    writer.metadata = None  # no /Info at all (pypdf would name itself as the producer)
    with target.open("wb") as out:
        writer.write(out)


def _xobjects(page: DictionaryObject) -> list[DictionaryObject]:
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    return [entry.get_object() for entry in (xobjects.get_object().values() if xobjects is not None else ())]


def _drop_keys(entry: DictionaryObject) -> None:
    for key in PAGE_METADATA:
        entry.pop(key, None)


# What a PDF runs or carries besides its pages: scripts, programs to launch, forms that post elsewhere, files
# inside it. The catalog's (open action, named scripts, embedded files) stays behind with the catalog; these
# are what a page and its annotations hold. The agency opens the file: it must only show what the pages show.
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/RichMediaExecute"}
CARRIER_ANNOTATIONS = {"/FileAttachment", "/Movie", "/Sound", "/Screen", "/RichMedia", "/3D"}


def _drop_active_content(page: DictionaryObject) -> None:
    """A page's own actions (open or close), annotations that carry files or media, and any action of an
    annotation that would run a script, start a program or send the form; plain links stay."""
    page.pop("/AA", None)
    annotations = page.get("/Annots")
    if annotations is None:
        return
    kept = ArrayObject()
    for reference in annotations.get_object():
        annotation = reference.get_object()
        if annotation.get("/Subtype") in CARRIER_ANNOTATIONS:
            continue
        annotation.pop("/AA", None)
        action = annotation.get("/A")
        if action is not None and action.get_object().get("/S") in ACTIVE_ACTIONS:
            annotation.pop("/A")
        kept.append(reference)
    page[NameObject("/Annots")] = kept


def _drop_annotation_authors(page: DictionaryObject) -> None:
    """A comment's author (`/T` of a markup annotation: often the account's full name) and its dates; a form
    field's `/T` is its name, not an author, and stays."""
    annotations = page.get("/Annots")
    for reference in annotations.get_object() if annotations is not None else ():
        annotation = reference.get_object()
        if annotation.get("/Subtype") != "/Widget":
            annotation.pop("/T", None)
        for key in ("/M", "/CreationDate"):
            annotation.pop(key, None)
