"""One camera read with PyAV: open with timeouts, decode keyframes only, make a small JPEG and a motion sample.

Everything here blocks (FFmpeg I/O and decoding); callers run it in a thread pool so a dead or hung camera
only ever occupies one pool thread until its timeout, never the event loop or another camera.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import av

from cctv_ingest.redaction import redact_text

MOTION_SIZE = (64, 36)  # a grey thumbnail this small is enough to see that something moved
FPS_SAMPLE_PACKETS = 12


@dataclass(frozen=True)
class ReadLimits:
    open_timeout_s: float
    read_timeout_s: float
    snapshot_width: int


@dataclass(frozen=True)
class Keyframe:
    """What one keyframe tells about a camera."""

    jpeg: bytes
    width: int
    height: int
    codec: str
    fps: float | None
    grey: bytes  # MOTION_SIZE grey pixels, for motion_score()


class CameraReadError(Exception):
    """The camera did not deliver a keyframe; the message never contains credentials."""


def grab_keyframe(url: str, limits: ReadLimits) -> Keyframe:
    """Open the stream, take its first keyframe, measure the frame rate from a few packets, close."""
    try:
        with _open(url, limits) as container:
            stream = _video_stream(container)
            for frame in _keyframes(container, stream):
                fps = _measured_fps(container, stream) or _nominal_fps(stream)
                return _describe(frame, stream, fps, limits.snapshot_width)
    except (av.FFmpegError, OSError, StopIteration) as exc:
        raise CameraReadError(redact_text(f"{type(exc).__name__}: {exc}")) from None
    raise CameraReadError("stream ended without a keyframe")


def watch_keyframes(url: str, limits: ReadLimits, describe_every: int = 1) -> Iterator[Keyframe]:
    """Hold the stream open and yield every keyframe (continuous mode for cameras that matter now)."""
    try:
        with _open(url, limits) as container:
            stream = _video_stream(container)
            fps = _nominal_fps(stream)
            for index, frame in enumerate(_keyframes(container, stream)):
                if index % describe_every == 0:
                    yield _describe(frame, stream, fps, limits.snapshot_width)
    except (av.FFmpegError, OSError) as exc:
        raise CameraReadError(redact_text(f"{type(exc).__name__}: {exc}")) from None


def _open(url: str, limits: ReadLimits):
    # rtsp over TCP: UDP loses packets behind NAT and firewalls, and a lost keyframe costs a whole GOP.
    options = {"rtsp_transport": "tcp"} if url.startswith("rtsp") else {}
    return av.open(url, timeout=(limits.open_timeout_s, limits.read_timeout_s), options=options)


def _video_stream(container) -> av.VideoStream:
    if not container.streams.video:
        raise CameraReadError("no video stream")
    stream = container.streams.video[0]
    stream.codec_context.skip_frame = "NONKEY"  # the decoder drops every other frame unseen
    stream.codec_context.thread_count = 1  # one worker process per core scales better than threads
    return stream


def _keyframes(container, stream) -> Iterator[av.VideoFrame]:
    for packet in container.demux(stream):
        if not packet.is_keyframe and packet.size:
            continue  # skip_frame would drop it anyway; not even handing it to the decoder is cheaper
        yield from packet.decode()


def _measured_fps(container, stream) -> float | None:
    """Frames per second from the timestamps of the next few packets (demuxed, not decoded)."""
    stamps = []
    for packet in container.demux(stream):
        if packet.pts is not None:
            stamps.append(packet.pts)
        if len(stamps) >= FPS_SAMPLE_PACKETS:
            break
    if len(stamps) < 2 or stream.time_base is None:
        return None
    span = float((max(stamps) - min(stamps)) * stream.time_base)
    return round((len(stamps) - 1) / span, 2) if span > 0 else None


def _nominal_fps(stream) -> float | None:
    rate: Fraction | None = stream.average_rate or stream.guessed_rate
    return round(float(rate), 2) if rate else None


def _describe(frame: av.VideoFrame, stream, fps: float | None, snapshot_width: int) -> Keyframe:
    return Keyframe(jpeg=encode_jpeg(frame, snapshot_width), width=frame.width, height=frame.height,
                    codec=stream.codec_context.name, fps=fps, grey=_grey_thumbnail(frame))


def encode_jpeg(frame: av.VideoFrame, width: int) -> bytes:
    """A JPEG of the frame scaled to `width` (aspect kept), encoded by FFmpeg's mjpeg encoder."""
    width = min(width, frame.width) // 2 * 2
    height = max(2, round(frame.height * width / frame.width) // 2 * 2)
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    encoder.options = {"q": "5"}  # qscale 5: small files, faces and plates still readable at this size
    scaled = frame.reformat(width=width, height=height, format="yuvj420p")
    packets = encoder.encode(scaled) + encoder.encode(None)
    return b"".join(bytes(packet) for packet in packets)


def _grey_thumbnail(frame: av.VideoFrame) -> bytes:
    width, height = MOTION_SIZE
    plane = frame.reformat(width=width, height=height, format="gray").planes[0]
    data = bytes(plane)
    return b"".join(data[row * plane.line_size: row * plane.line_size + width] for row in range(height))


def motion_score(previous: bytes | None, current: bytes) -> float | None:
    """Mean absolute difference of two grey thumbnails, 0 (still) .. 1 (everything changed)."""
    if not previous or len(previous) != len(current):
        return None
    return round(sum(abs(a - b) for a, b in zip(previous, current)) / (255 * len(current)), 4)
