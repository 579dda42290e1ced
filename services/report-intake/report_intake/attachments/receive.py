"""Receiving files as they stream in: a multipart body parsed chunk by chunk (python-multipart's streaming
parser), each file written to a private temporary file while it is counted, hashed and sniffed. Nothing is
held whole in memory; a file over the size limit, of a type we refuse or one too many stops the upload at
once."""

import asyncio
import hashlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart.multipart import MultipartParseError, MultipartParser, parse_options_header

from kentongan.errors import MalformedBody, ServiceError
from report_intake.attachments.errors import (
    AttachmentTooLarge,
    TooManyAttachments,
    UnknownUploadField,
    UnsupportedMediaType,
)
from report_intake.attachments.media import SNIFF_BYTES, MediaType, sniff

FILE_FIELD = "files"
KEEP_ORIGINAL_FIELD = "keep_original"


@dataclass
class ReceivedFile:
    path: Path
    filename: str | None
    media: MediaType | None = None
    size: int = 0
    sha256: str = ""


@dataclass
class Received:
    """The files of one upload, in a private folder the caller removes (`discard`)."""

    folder: Path
    files: list[ReceivedFile] = field(default_factory=list)
    keep_original: bool = False

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def private_folder(parent: str | None) -> Path:
    """A new folder only this process's user can read (0700; files in it are created 0600)."""
    return Path(tempfile.mkdtemp(prefix="upload-", dir=parent))


class FileWriter:
    """One file as it arrives: written to disk, counted against the limit, hashed, sniffed from its first
    bytes (a type we refuse stops it before the rest is read)."""

    def __init__(self, target: ReceivedFile, max_bytes: int, name: str) -> None:
        self.file = target
        self._max_bytes, self._name = max_bytes, name
        self._hash = hashlib.sha256()
        self._head = b""
        fd = os.open(target.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._handle: IO[bytes] = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        self.file.size += len(data)
        if self.file.size > self._max_bytes:
            raise AttachmentTooLarge(f"{self._name}: a file may hold at most {self._max_bytes} bytes")
        if self.file.media is None and len(self._head) < SNIFF_BYTES:
            self._head += data[: SNIFF_BYTES - len(self._head)]
            if len(self._head) >= SNIFF_BYTES:
                self._sniff()
        self._hash.update(data)
        self._handle.write(data)

    def close(self) -> ReceivedFile:
        self._handle.close()
        if self.file.media is None:
            self._sniff()
        self.file.sha256 = self._hash.hexdigest()
        return self.file

    def abort(self) -> None:
        self._handle.close()

    def _sniff(self) -> None:
        self.file.media = sniff(self._head)
        if self.file.media is None:
            raise UnsupportedMediaType(f"{self._name}: not a JPEG, PNG, WebP, HEIC, PDF, MP4, M4A/AAC, "
                                       "OGG/Opus, MP3 or WAV file (judged by its content, not its name)")


class _Form:
    """python-multipart's callbacks: file parts to `FileWriter`s, the keep_original field to a flag."""

    def __init__(self, received: Received, max_files: int, max_bytes: int) -> None:
        self.received, self._max_files, self._max_bytes = received, max_files, max_bytes
        self._header_name, self._header_value = b"", b""
        self._disposition: dict[bytes, bytes] = {}
        self._writer: FileWriter | None = None
        self._value = b""

    def callbacks(self) -> Any:
        return {"on_part_begin": self._begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value_part, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_done, "on_part_data": self._data,
                "on_part_end": self._end}

    def _begin(self) -> None:
        self._disposition, self._value = {}, b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = parse_options_header(self._header_value)[1]
        self._header_name, self._header_value = b"", b""

    def _headers_done(self) -> None:
        name = self._disposition.get(b"name", b"").decode(errors="replace")
        if name == FILE_FIELD and b"filename" in self._disposition:
            index = len(self.received.files)
            if index >= self._max_files:
                raise TooManyAttachments(f"{FILE_FIELD}: at most {self._max_files} files per case")
            target = ReceivedFile(self.received.folder / f"{index}.upload",
                                  self._disposition[b"filename"].decode(errors="replace")[:255] or None)
            self.received.files.append(target)
            self._writer = FileWriter(target, self._max_bytes, f"{FILE_FIELD}[{index}]")
        elif name != KEEP_ORIGINAL_FIELD:
            raise UnknownUploadField(f"{name or 'a part'}: send files as `{FILE_FIELD}` and, optionally, "
                                     f"`{KEEP_ORIGINAL_FIELD}`")

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._writer is not None:
            self._writer.write(data[start:end])
        elif len(self._value) < 16:
            self._value += data[start:end]

    def _end(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        else:
            value = self._value.decode(errors="replace")
            self.received.keep_original = parse_flag(value, KEEP_ORIGINAL_FIELD)

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.abort()


def parse_flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off", ""):
        return False
    raise UnknownUploadField(f"{name}: true or false")


async def receive_multipart(content_type: str | None, body: AsyncIterator[bytes], folder: Path,
                            max_files: int, already: int, max_bytes: int) -> Received:
    """The files of a `multipart/form-data` body as it streams in (`already`: files the case holds)."""
    kind, options = parse_options_header(content_type or "")
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise MalformedBody("send multipart/form-data with the files as `files`")
    received = Received(folder)
    form = _Form(received, max_files - already, max_bytes)
    parser = MultipartParser(options[b"boundary"], form.callbacks())
    try:
        async for chunk in body:
            # Parsing writes the file to disk: off the event loop.
            await asyncio.to_thread(parser.write, chunk)
        parser.finalize()
    except MultipartParseError:
        form.abort()
        received.discard()
        raise MalformedBody("the multipart body is malformed") from None
    except BaseException:
        form.abort()
        received.discard()
        raise
    if not received.files:
        received.discard()
        raise MalformedBody(f"no file: send one or more as `{FILE_FIELD}`")
    return received


async def receive_stream(body: AsyncIterator[bytes], writer: FileWriter) -> None:
    """A raw body (a tus part) into `writer`."""
    async for chunk in body:
        await asyncio.to_thread(writer.write, chunk)


__all__ = ["FileWriter", "Received", "ReceivedFile", "ServiceError", "private_folder", "receive_multipart"]
