"""The live remux's box splitting on the muxer's real output, whatever sizes its writes come in."""

import io
import random
import threading

import av

from cctv_ingest.ingest.grabber import ReadLimits
from cctv_ingest.live.upstream import BoxSplitter, StreamInfo, read_live


class Recorder:
    """A Sink keeping what the upstream made."""

    def __init__(self) -> None:
        self.info: StreamInfo | None = None
        self.chunks: list[tuple[bytes, bool]] = []
        self.reason: str | None = None

    def started(self, info: StreamInfo) -> None:
        self.info = info

    def chunk(self, data: bytes, keyframe: bool) -> None:
        self.chunks.append((data, keyframe))

    def ended(self, reason: str) -> None:
        self.reason = reason


def boxes(data: bytes) -> list[bytes]:
    """The types of the top-level boxes in `data`, which must be whole boxes."""
    kinds, offset = [], 0
    while offset < len(data):
        size = int.from_bytes(data[offset:offset + 4], "big")
        kinds.append(data[offset + 4:offset + 8])
        offset += size
    assert offset == len(data), "segments end at a box's end"
    return kinds


def remuxed(rtsp_clip) -> Recorder:
    recorder = Recorder()
    read_live(str(rtsp_clip), ReadLimits(4, 2, 640), recorder, threading.Event(), 1.0)
    return recorder


def test_the_clip_is_cut_into_an_init_segment_and_one_fragment_per_frame_that_a_player_decodes(rtsp_clip):
    recorder = remuxed(rtsp_clip)
    assert recorder.info is not None and recorder.reason == "camera stream ended"
    assert boxes(recorder.info.init) == [b"ftyp", b"moov"]
    assert all(boxes(chunk)[-2:] == [b"moof", b"mdat"] for chunk, _key in recorder.chunks)
    assert recorder.chunks[0][1], "the first fragment starts at a keyframe"
    with av.open(io.BytesIO(recorder.info.init + b"".join(c for c, _ in recorder.chunks))) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == len(recorder.chunks) == 40  # 4 s at 10 fps, every frame
    assert [frame.key_frame for frame in frames] == [key for _chunk, key in recorder.chunks]


def test_writes_of_any_size_give_the_same_segments(rtsp_clip):
    """The muxer writes 32 KiB at most and flushes at each fragment's end; other writers (or another FFmpeg)
    may cut anywhere, through a box header too."""
    recorder = remuxed(rtsp_clip)
    stream = recorder.info.init + b"".join(chunk for chunk, _ in recorder.chunks)
    made: list[bytes] = []
    splitter = BoxSplitter(made.append, made.append)
    pick = random.Random(25)
    offset = 0
    while offset < len(stream):
        size = pick.choice((1, 3, 7, 8, 15, 200, 5000))
        assert splitter.write(stream[offset:offset + size]) == len(stream[offset:offset + size])
        offset += size
    assert made == [recorder.info.init, *(chunk for chunk, _ in recorder.chunks)]


def test_a_box_with_a_64_bit_size_is_measured_by_it():
    made: list[bytes] = []
    splitter = BoxSplitter(made.append, made.append)
    init = box(b"ftyp", b"isom") + box(b"moov", b"x" * 40)
    mdat = (1).to_bytes(4, "big") + b"mdat" + (16 + 70_000).to_bytes(8, "big") + bytes(70_000)
    fragment = box(b"moof", b"m" * 20) + mdat
    splitter.write(bytearray(init + fragment[:30]))
    splitter.write(fragment[30:] + box(b"moof", b""))
    assert made == [init, fragment]


def box(kind: bytes, body: bytes) -> bytes:
    return (8 + len(body)).to_bytes(4, "big") + kind + body
