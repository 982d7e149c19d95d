"""What a zip archive (.xlsx, .docx) unpacks to, checked before anything unpacks it.

An Office file is a zip of XML parts, and a zip can say that a few hundred kilobytes unpack to
gigabytes (a "zip bomb"): openpyxl and zipfile believe it and fill the memory. So an uploaded
archive is judged first by its central directory — how many members, what each says it
unpacks to, in all and against its packed size — and refused with an ArchiveError (a `code`
and the numbers; the caller words the message) before a byte is inflated. A zip can lie about
those sizes, so the members are then read through a reader that stops at the size the member
declared (and at the limit, whatever it declared): `verify` reads every member that way, into
nothing, before a library is given the file; `open_member` gives one member to read.

Pure Python (the standard library): no Django.

The limits (LIMITS) and why:
- 100 MB unpacked in all. The ledger export of 20,000 measures (far more than an upload may
  hold: 5,000 rows) is a 2.4 MB .xlsx that unpacks to 18 MB; a 300-page plan's document.xml
  is a few megabytes. 100 MB leaves room for both, and bounds what a reader can be made to do.
- 50 MB for one member: the largest part of that 20,000-measure ledger (its sheet) is 18 MB.
- A member of 10 MB or more may unpack to at most 100 times its packed size. Office XML packs
  5 to 20 times (the 20,000-measure sheet: 7.6 times; a Word document that starts a new run
  every two characters: 15 times); a run of one repeated character packs about a thousand
  times — what a zip bomb is made of. A smaller part may pack better (a page of one phrase
  over and over packs 150 times): the limits of size bound what it can cost.
- 2,000 members. A workbook has about ten parts, a document a few dozen with its pictures; a
  zip of a hundred thousand empty members costs a reader time and memory for nothing.
- Only stored and deflated members: what Excel, Word and WPS write. A bzip2 or LZMA member
  inflates a whole block at once, past any reader's limit.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

__all__ = ["LIMITS", "ArchiveError", "Limits", "check", "open_member", "verify"]

MB = 1024 * 1024
CHUNK = 64 * 1024  # how much is inflated at a time


@dataclass(frozen=True)
class Limits:
    total: int = 100 * MB  # declared unpacked bytes of all members together
    member: int = 50 * MB  # declared unpacked bytes of any one member
    members: int = 2_000  # number of members
    ratio: int = 100  # unpacked : packed, for a member of `ratio_from` bytes or more
    ratio_from: int = 10 * MB


LIMITS = Limits()


class ArchiveError(ValueError):
    """An archive refused before (or while) it is unpacked.

    `code` says why, `params` the numbers (and the member's name):
    - not_zip: not a zip archive (or its central directory is damaged);
    - too_many_members: `members` members, over `limit`;
    - too_large: `size` bytes unpacked in all, over `limit`;
    - member_too_large: member `member` unpacks to `size` bytes, over `limit`;
    - ratio: member `member` unpacks to `size` bytes from `packed`, `ratio` times, over `limit`;
    - method: member `member` is packed with method `method`, neither stored nor deflated;
    - encrypted: member `member` is encrypted;
    - lies: member `member` unpacks to more than the `size` bytes it declared;
    - damaged: member `member` cannot be unpacked (a broken stream, a wrong checksum).
    """

    def __init__(self, code: str, **params: int | str) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


def check(file: IO[bytes] | bytes, limits: Limits = LIMITS) -> list[zipfile.ZipInfo]:
    """The members of the archive, if its central directory keeps within the limits.

    Nothing is inflated: the number of members is read from the end of the archive before the
    central directory is, and the sizes from the central directory. Raises ArchiveError.
    """
    file = io.BytesIO(file) if isinstance(file, bytes) else file
    declared = _declared_members(file)
    if declared is not None and declared > limits.members:
        raise ArchiveError("too_many_members", members=declared, limit=limits.members)
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error):
        raise ArchiveError("not_zip") from None
    finally:
        file.seek(0)
    if len(members) > limits.members:
        raise ArchiveError("too_many_members", members=len(members), limit=limits.members)
    total = 0
    for info in members:
        _check_member(info, limits)
        total += info.file_size
    if total > limits.total:
        raise ArchiveError("too_large", size=total, limit=limits.total)
    return members


def _check_member(info: zipfile.ZipInfo, limits: Limits) -> None:
    name, size, packed = info.filename, info.file_size, info.compress_size
    if info.flag_bits & 0x1:
        raise ArchiveError("encrypted", member=name)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ArchiveError("method", member=name, method=info.compress_type)
    if size > limits.member:
        raise ArchiveError("member_too_large", member=name, size=size, limit=limits.member)
    if size >= limits.ratio_from and size > limits.ratio * packed:
        ratio = size // max(packed, 1)
        raise ArchiveError(
            "ratio", member=name, size=size, packed=packed, ratio=ratio, limit=limits.ratio
        )


# The end of central directory record: signature, then (disk, disk of the directory, entries on
# this disk, entries in all, directory size, directory offset, comment length).
_END = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\x05\x06"
_END_SEARCH = _END.size + 0xFFFF  # the record, and a comment of at most 65,535 bytes


def _declared_members(file: IO[bytes]) -> int | None:
    """The number of members the archive's last record declares (None if it cannot tell, as in
    a ZIP64 archive): read before zipfile reads the whole central directory."""
    try:
        file.seek(0, io.SEEK_END)
        size = file.tell()
        start = max(0, size - _END_SEARCH)
        file.seek(start)
        tail = file.read(size - start)
    finally:
        file.seek(0)
    at = tail.rfind(_END_SIGNATURE)
    if at < 0 or len(tail) - at < _END.size:
        return None
    entries = _END.unpack_from(tail, at)[4]
    return None if entries == 0xFFFF else entries


class _Member(io.RawIOBase):
    """One member's bytes, inflated here from the archive's own bytes (not by zipfile, which
    believes the sizes), and refused past the size it declared and past the member limit:
    ArchiveError("lies"), or ("damaged") for a broken stream, a short one or a wrong checksum.
    It keeps its own place in the file, so members can be read in turn from one file."""

    def __init__(self, file: IO[bytes], info: zipfile.ZipInfo, limits: Limits) -> None:
        self._file = file
        self._name = info.filename
        self._declared = info.file_size
        self._cap = min(info.file_size, limits.member)
        self._expected_crc = info.CRC
        file.seek(info.header_offset)
        header = file.read(_LOCAL.size)
        if len(header) < _LOCAL.size or header[:4] != _LOCAL_SIGNATURE:
            raise ArchiveError("damaged", member=self._name)
        name_length, extra_length = _LOCAL.unpack(header)[-2:]
        self._at = info.header_offset + _LOCAL.size + name_length + extra_length
        self._packed_left = info.compress_size
        self._inflater = (
            zlib.decompressobj(-zlib.MAX_WBITS)
            if info.compress_type == zipfile.ZIP_DEFLATED
            else None
        )
        self._input = b""  # packed bytes read but not inflated yet
        self._crc = 0
        self._given = 0  # bytes given so far
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._next(min(len(buffer), CHUNK))
        buffer[: len(data)] = data
        return len(data)

    def _packed(self, size: int) -> bytes:
        self._file.seek(self._at)
        data = self._file.read(min(size, self._packed_left))
        if not data:
            raise ArchiveError("damaged", member=self._name)  # the archive ends inside it
        self._at += len(data)
        self._packed_left -= len(data)
        return data

    def _next(self, size: int) -> bytes:
        while not self._ended:
            if self._inflater is None:  # stored
                data = self._packed(size) if self._packed_left else b""
            else:
                if not self._input and self._packed_left:
                    self._input = self._packed(CHUNK)
                try:
                    data = self._inflater.decompress(self._input, size)
                except zlib.error:
                    raise ArchiveError("damaged", member=self._name) from None
                self._input = self._inflater.unconsumed_tail
                if not data and not self._inflater.eof and (self._input or self._packed_left):
                    continue  # more to read before anything comes out
            if not data:
                self._end()
                break
            self._given += len(data)
            if self._given > self._cap:
                if self._given > self._declared:
                    raise ArchiveError("lies", member=self._name, size=self._declared)
                raise ArchiveError(
                    "member_too_large", member=self._name, size=self._declared, limit=self._cap
                )
            self._crc = zlib.crc32(data, self._crc)
            return data
        return b""

    def _end(self) -> None:
        """All of it read: a stream that ended early, or whose bytes are not the ones the
        archive's checksum names, is damaged."""
        self._ended = True
        finished = self._inflater is None or self._inflater.eof
        if not finished or self._given != self._declared or self._crc != self._expected_crc:
            raise ArchiveError("damaged", member=self._name)


# A member's local header: signature, version, flags, method, time, date, checksum, sizes, and
# the lengths of its name and extra field (after which its packed bytes begin).
_LOCAL = struct.Struct("<4s5H3L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"


def open_member(file: IO[bytes], info: zipfile.ZipInfo, limits: Limits = LIMITS) -> IO[bytes]:
    """A reader of one member of the archive in `file` (as `check` returned it) that raises
    ArchiveError rather than give more than the member declared; buffered, to be read in
    pieces or handed to a parser. Raises ArchiveError."""
    _check_member(info, limits)
    return io.BufferedReader(_Member(file, info, limits), buffer_size=CHUNK)


def verify(
    file: IO[bytes] | bytes,
    limits: Limits = LIMITS,
    *,
    watch: Callable[[str, bytes], None] | None = None,
) -> list[zipfile.ZipInfo]:
    """`check` the archive, then inflate every member through `open_member`, a piece at a time
    and into nothing, so that none unpacks to more (or other) than it declared: a library
    that believes the declared sizes can then be given the file. `watch(name, piece)` is
    shown each piece (to look for something in a member on the way). The file is left at its
    start. Raises ArchiveError."""
    file = io.BytesIO(file) if isinstance(file, bytes) else file
    members = check(file, limits)
    try:
        for info in members:
            with open_member(file, info, limits) as member:
                while piece := member.read(CHUNK):
                    if watch is not None:
                        watch(info.filename, piece)
    finally:
        file.seek(0)
    return members
