"""Reading an uploaded policy document: its name and bytes in, its text out, or a clear refusal.

Offices upload what they have: a .txt saved by Notepad (UTF-8, often with a BOM, or UTF-16), a
.txt saved by an older Chinese Windows or WPS (GBK), or the Word file itself (.docx). Nobody
knows which encoding their file is in, so it is detected and never asked for. What cannot be
read is refused with a message that names the file, says what is wrong and what to do instead
(a scanned page is a picture; a PDF must be exported; an old .doc must be re-saved as .docx).

Only the standard library is used: `tasks.archives` (zipfile, zlib) checks and unpacks a .docx
and `xml.etree.ElementTree` parses it as it unpacks, which is all a policy document needs
(paragraphs and tables; not pictures, headers or footnotes). A zip bomb is refused before it
is unpacked; the reading stops when the text is longer than the upload limit.
Automatic list numbers (Word's numbering, not typed: "一、" "（一）" "1．" from word/numbering.xml)
are not part of the text; they are counted as Word counts them and written before each paragraph.
"""

from __future__ import annotations

import codecs
import io
import itertools
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import IO
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext, gettext_noop

from tasks import archives, numerals

MB = 1024 * 1024

# -- refusals ----------------------------------------------------------------------------------

# (code, kind) → the English msgid; `kind` is the optional "kind" parameter that picks a variant.
_MESSAGES: dict[tuple[str, str], str] = {
    ("unsupported_type", ""): gettext_noop(
        "“%(name)s” is not a file this site can read. Save the document as a .txt or .docx "
        "file; an old .doc must first be saved as .docx in Word or WPS."
    ),
    ("empty", ""): gettext_noop(
        "“%(name)s” is empty. Choose the file that holds the document's text."
    ),
    ("too_large", ""): gettext_noop(
        "“%(name)s” is %(size)s MB, more than the %(limit)s MB limit. Save the text without "
        "pictures, or split it into smaller files."
    ),
    ("too_large", "unpacked"): gettext_noop(
        "The text inside “%(name)s” unpacks to %(size)s MB, more than the %(limit)s MB this "
        "site reads. Split the document into smaller files."
    ),
    ("too_large", "text"): gettext_noop(
        "The text of “%(name)s” is more than the %(limit)s MB this site reads. Split the "
        "document into smaller files."
    ),
    # The archive check (tasks.archives) refused the .docx before unpacking it.
    ("archive", "too_large"): gettext_noop(
        "“%(name)s” unpacks to %(size)s MB, more than the %(limit)s MB this site reads. Remove "
        "pictures and other embedded files, or split the document, and upload it again."
    ),
    ("archive", "members"): gettext_noop(
        "“%(name)s” holds %(members)s parts; a Word document has a few dozen (this site reads "
        "at most %(limit)s). It is not a document, or it was made to overload the site. Open "
        "it in Word or WPS, save it as .docx and upload it again."
    ),
    ("archive", "ratio"): gettext_noop(
        "Part “%(member)s” of “%(name)s” unpacks to %(size)s MB, %(ratio)s times its packed "
        "size; a Word document packs at most %(limit)s to 1. The file is damaged or was made "
        "to overload the site. Open it in Word or WPS, save it as .docx and upload it again."
    ),
    ("archive", "lies"): gettext_noop(
        "Part “%(member)s” of “%(name)s” unpacks to more than the size it states: the file is "
        "damaged or was made to overload the site. Open it in Word or WPS, save it as .docx "
        "and upload it again."
    ),
    ("image", ""): gettext_noop(
        "“%(name)s” is a picture, not text. Type the document's text, or export it as text "
        "(.txt) or Word (.docx), and upload that."
    ),
    ("binary", "pdf"): gettext_noop(
        "“%(name)s” is a PDF, not text. Export it as text (.txt) or Word (.docx) from your PDF "
        "reader and upload that."
    ),
    ("binary", "word"): gettext_noop(
        "“%(name)s” looks like a Word file, not plain text. Save it as .docx in Word or WPS "
        "(or, if it already is one, rename it to end in .docx) and upload it again."
    ),
    ("binary", ""): gettext_noop(
        "“%(name)s” is not a text file. Upload the document as text (.txt) or Word (.docx)."
    ),
    ("undecodable", ""): gettext_noop(
        "“%(name)s” cannot be read as text: byte %(position)d (line %(line)d) is not in an "
        "encoding this site knows. Save it as UTF-8 or GBK text and upload it again."
    ),
    ("not_docx", ""): gettext_noop(
        "“%(name)s” is not a Word .docx file; it may be an old .doc or a renamed file. Open it "
        "in Word or WPS, save it as .docx and upload it again."
    ),
    ("encrypted", ""): gettext_noop(
        "“%(name)s” is protected by a password. Open it in Word or WPS, remove the password, "
        "save it and upload it again."
    ),
    # Raised by tasks.intake.importing once the text is read: nothing in it to break down.
    ("no_enumeration", ""): gettext_noop(
        "No measures were found in “%(name)s”: it has no numbered items (such as “一、”, "
        "“（一）” or “1．”) or task sentences. Check that you chose the plan itself."
    ),
    # Raised by tasks.intake.importing: more items than one preview can show and edit.
    ("too_many_items", ""): gettext_noop(
        "“%(name)s” breaks down into %(items)s items, more than the %(limit)s one import can "
        "show and edit. A plan has a few hundred: check that you chose the plan itself, or "
        "split the document and import its parts one by one."
    ),
    # Any other code: a refusal must reach the user even if its message was forgotten.
    ("", ""): gettext_noop(
        "“%(name)s” could not be read as a document. Save it as .txt or .docx and try again."
    ),
}


class DocumentError(ValueError):
    """A file that cannot be read as a document; str(error) is the translated message.

    `code` is one of: unsupported_type, empty, too_large, image, binary, undecodable, not_docx,
    encrypted, archive (from reading), no_enumeration and too_many_items (from importing).
    `params` always has `name`; a `kind` parameter picks a variant of the message (binary: "pdf"
    or "word"; too_large: "unpacked" for a .docx whose document part unpacks too large, "text"
    for one whose text is longer than the limit; archive: "too_large", "members", "ratio" or
    "lies", what the archive check refused). The message is looked up when shown, so it follows
    the language active at that moment.
    """

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        kind = str(self.params.get("kind", ""))
        msgid = (
            _MESSAGES.get((self.code, kind)) or _MESSAGES.get((self.code, "")) or _MESSAGES["", ""]
        )
        return gettext(msgid) % {"name": "", **self.params}


# -- the entry point ---------------------------------------------------------------------------


def read_document(name: str, data: bytes, *, max_bytes: int | None = None) -> str:
    """The text of a .txt or .docx document; max_bytes defaults to TASKS_DOCUMENT_MAX_BYTES.

    Lines end in "\\n" whatever the file used; nothing else is changed (inner spaces stay).
    Raises DocumentError when the file is of another kind, too large, empty or unreadable.
    """
    limit = settings.TASKS_DOCUMENT_MAX_BYTES if max_bytes is None else max_bytes
    kind = _kind(name)
    if len(data) > limit:
        raise too_large(name, len(data), limit)
    if not data:
        raise DocumentError("empty", name=name)
    text = _read_text(name, data) if kind == "text" else _read_docx(name, data, limit)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentError("empty", name=name)
    return text


def too_large(name: str, size: int, limit: int) -> DocumentError:
    """The refusal of a file of `size` bytes over the `limit` (also before it is read)."""
    return DocumentError(
        "too_large",
        name=name,
        size=_megabytes(size, up=True),
        limit=_megabytes(limit),
        size_bytes=size,
        limit_bytes=limit,
    )


def _kind(name: str) -> str:
    """The file's kind, "text" or "docx", by its name: a browser's content type is a guess."""
    _, dot, extension = name.strip().lower().rpartition(".")
    if dot and extension in ("txt", "text"):
        return "text"
    if dot and extension == "docx":
        return "docx"
    raise DocumentError("unsupported_type", name=name)


def _megabytes(size: int, *, up: bool = False) -> str:
    """A size in MB with one decimal; a file's size rounds up so it never shows as the limit."""
    if not up and size % MB == 0:
        return str(size // MB)
    tenths = size / MB * 10
    return f"{(math.ceil(tenths) if up else math.floor(tenths)) / 10:.1f}"


# -- what the bytes are, by their first few ----------------------------------------------------

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old .doc (or .xls), or a password-protected .docx
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # the stream an encrypted .docx holds


def _is_image(data: bytes) -> bool:
    return (
        data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a"))
        or data.startswith((b"II*\x00", b"MM\x00*"))  # TIFF, which scanners write
        or (data.startswith(b"BM") and data[6:10] == b"\x00\x00\x00\x00")  # not text "BM…"
        or (data.startswith(b"RIFF") and data[8:12] == b"WEBP")
        or (data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"avif"))
    )


def _sniff(name: str, data: bytes) -> DocumentError | None:
    """The refusal for a file whose magic number says it is a picture, a PDF or a Word file."""
    if _is_image(data):
        return DocumentError("image", name=name)
    if data.startswith(b"%PDF-"):
        return DocumentError("binary", name=name, kind="pdf")
    if data.startswith(_OLE2) and _ENCRYPTED_PACKAGE in data:
        return DocumentError("encrypted", name=name)
    if data.startswith((_OLE2, b"PK\x03\x04", b"PK\x05\x06")):
        return DocumentError("binary", name=name, kind="word")
    return None


# -- plain text --------------------------------------------------------------------------------

# UTF-32 first: its little-endian BOM begins with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than \t \n \f \r: a few are stray (a DOS end-of-file mark), many
# mean the bytes were never text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# A file whose first UTF-8 error comes after this many valid non-ASCII characters is UTF-8
# damaged (or cut off mid-character), not GBK: decoding it as GB18030 would give gibberish.
_SURELY_UTF8 = 16


def _read_text(name: str, data: bytes) -> str:
    text = _decode(name, data).removeprefix("\ufeff")  # GB18030 has a BOM of its own
    controls = len(_CONTROL.findall(text))
    if controls > 3 and controls * 100 > len(text):
        raise DocumentError("binary", name=name)
    return text


def _decode(name: str, data: bytes) -> str:
    """The text, in the encoding its BOM names; else UTF-8; else GB18030 (which covers GBK)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise _undecodable(name, data, encoding, error.start) from None
    refusal = _sniff(name, data)
    if refusal is None and b"\x00" in data:
        refusal = DocumentError("binary", name=name)
    if refusal is not None:
        raise refusal
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        utf8_error = error
    valid = data[: utf8_error.start].decode("utf-8")
    if sum(1 for ch in valid if ord(ch) > 0x7F) < _SURELY_UTF8:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            pass
    raise _undecodable(name, data, "utf-8", utf8_error.start)


def _undecodable(name: str, data: bytes, encoding: str, offset: int) -> DocumentError:
    """The refusal naming the first bad byte (counted from 1) and its line, to find it by."""
    before = data[:offset].decode(encoding, errors="replace")
    line = before.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    return DocumentError("undecodable", name=name, position=offset + 1, line=line)


# -- Word (.docx) ------------------------------------------------------------------------------

DOCUMENT_PART = "word/document.xml"
UNPACK_RATIO = 20  # document.xml may be this many times the upload limit…
UNPACK_CEILING = archives.LIMITS.member  # …and never more than any part may (50 MB)

W_MAIN = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"  # Word's "Strict Open XML"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"

# What the archive check's refusals say (the kind of "archive" message); any other refusal (not
# a zip, a damaged or encrypted part) is "not a .docx".
_ARCHIVE_KINDS = {
    "too_large": "too_large",
    "member_too_large": "too_large",
    "too_many_members": "members",
    "ratio": "ratio",
    "lies": "lies",
}


def _read_docx(name: str, data: bytes, max_bytes: int) -> str:
    """The text of a .docx, read as it unpacks: the archive is checked first (tasks.archives),
    then word/document.xml is parsed a piece at a time, each paragraph or table of the body
    turned into lines and dropped, and the reading stops as soon as the text is longer than
    `max_bytes` — so time and memory follow the text, whatever the archive holds."""
    if not data.startswith(b"PK"):  # not a zip: say what it is if that helps, else "not .docx"
        refusal = _sniff(name, data)
        if refusal is None or (refusal.code, refusal.params.get("kind")) == ("binary", "word"):
            refusal = _not_docx(name)  # an old .doc: the .docx message says what to do
        raise refusal
    file = io.BytesIO(data)
    try:
        members = {info.filename: info for info in archives.check(file)}
    except archives.ArchiveError as error:
        raise _archive_refusal(name, error) from None
    info = members.get(DOCUMENT_PART)
    if info is None:
        raise _not_docx(name)
    limit = min(UNPACK_RATIO * max_bytes, UNPACK_CEILING)
    if info.file_size > limit:
        raise _unpacks_too_large(name, info.file_size, limit)
    lines: list[str] = []
    size = 0  # bytes of text so far, as UTF-8
    try:
        with archives.open_member(file, info) as part:
            stream = _BodyStream(name, part, lambda root: _walker(name, root, file, members))
            for line in stream.lines():
                size += len(line.encode()) + 1
                if size > max_bytes + 1:
                    raise DocumentError(
                        "too_large",
                        name=name,
                        kind="text",
                        limit=_megabytes(max_bytes),
                        limit_bytes=max_bytes,
                    )
                lines.append(line)
    except archives.ArchiveError as error:
        raise _archive_refusal(name, error) from None
    return "\n".join(lines)


def _walker(
    name: str, root: ElementTree.Element, file: IO[bytes], members: dict[str, zipfile.ZipInfo]
) -> _Walker:
    """The walker of a document whose root element is `root`, with the document's numbering;
    a root that is not a Word document's is refused."""
    namespace, tag = _split(root.tag)
    if namespace not in (W_MAIN, W_STRICT) or tag != "document":
        raise _not_docx(name)
    return _Walker(namespace, _Numbering.read(file, members, namespace))


def _archive_refusal(name: str, error: archives.ArchiveError) -> DocumentError:
    kind = _ARCHIVE_KINDS.get(error.code)
    if kind is None:
        return _not_docx(name)
    params = dict(error.params)
    if "size" in params:  # bytes, shown in MB (a ratio's limit is a ratio, a count's a count)
        params["size"] = _megabytes(int(params["size"]), up=True)
    if kind == "too_large":
        params["limit"] = _megabytes(int(params["limit"]))
    return DocumentError("archive", name=name, kind=kind, **params)


def _unpacks_too_large(name: str, size: int, limit: int) -> DocumentError:
    return DocumentError(
        "too_large",
        name=name,
        kind="unpacked",
        size=_megabytes(size, up=True),
        limit=_megabytes(limit),
        size_bytes=size,
        limit_bytes=limit,
    )


def _not_docx(name: str) -> DocumentError:
    return DocumentError("not_docx", name=name)


# Word never writes a DOCTYPE; the entities one declares are only good for attacks. (A part in
# UTF-16 would spell it with NULs, so that spelling is looked for too.)
_DOCTYPES = tuple("<!DOCTYPE".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be"))
_DOCTYPE_OVERLAP = max(map(len, _DOCTYPES))  # a DOCTYPE cut between two pieces is found too


def _has_doctype(xml: bytes) -> bool:
    return any(doctype in xml for doctype in _DOCTYPES)


@dataclass
class _ReadTable:
    """A table of the body whose rows were read as they ended (`rows`), each dropped then; the
    element keeps what follows a content control among its rows, read when the table is."""

    table: ElementTree.Element
    rows: list[list[_Cell]]


class _BodyStream:
    """word/document.xml parsed as it is read, for the lines of its body.

    The parser is fed a piece at a time; each element directly in w:body (a paragraph, a
    table, a content control) is handed to the walker when it ends and then dropped, and so is
    each row of a table there, so memory holds one paragraph or row at a time, not the
    document. `start(root)` makes the walker when the root element begins. A DOCTYPE anywhere,
    or XML that is not well formed, is "not a .docx" (as it is when it is found at the end).
    """

    def __init__(
        self, name: str, part: IO[bytes], start: Callable[[ElementTree.Element], _Walker]
    ) -> None:
        self.name = name
        self.part = part
        self.start = start
        self.walker: _Walker | None = None

    def lines(self) -> Iterator[str]:
        try:
            children = self._children()
            first = next(children, None)  # the walker is made on the way to the first child
            if self.walker is None or first is None:
                for _rest in children:
                    pass  # read to the end: a broken document is refused all the same
                return
            yield from self.walker.blocks(itertools.chain([first], children))
        except ElementTree.ParseError:
            raise _not_docx(self.name) from None

    def _events(self) -> Iterator[tuple[str, ElementTree.Element]]:
        parser = ElementTree.XMLPullParser(events=("start", "end"))
        tail = b""
        while piece := self.part.read(archives.CHUNK):
            if _has_doctype(tail + piece):
                raise _not_docx(self.name)
            tail = piece[-_DOCTYPE_OVERLAP:]
            parser.feed(piece)
            yield from parser.read_events()
        parser.close()
        yield from parser.read_events()

    def _children(self) -> Iterator[ElementTree.Element | _ReadTable]:
        """The elements directly in the (first) w:body, each as it ends, then dropped; a table
        there as a _ReadTable, its rows read as each ends (up to a content control among
        them: the rows from there on are read with the table, in their order)."""
        depth = 0
        root: ElementTree.Element | None = None
        body: ElementTree.Element | None = None
        in_body = False
        table: _ReadTable | None = None  # the body's table being read
        by_row = False  # its rows read as each ends
        for event, element in self._events():
            if event == "start":
                depth += 1
                if depth == 1:
                    root = element
                    self.walker = self.start(element)
                    w = self.walker.w
                elif depth == 2 and body is None and element.tag == f"{{{w}}}body":
                    body, in_body = element, True
                elif depth == 3 and in_body and element.tag == f"{{{w}}}tbl":
                    table, by_row = _ReadTable(element, []), True
                elif depth == 4 and by_row and _split(element.tag) in _wrappers(w):
                    by_row = False
                continue
            if depth == 4 and by_row and element.tag == f"{{{w}}}tr":
                table.rows.append(self.walker.row(element))
                table.table.remove(element)
            elif depth == 3 and in_body:
                yield table if table is not None and element is table.table else element
                body.remove(element)
                table, by_row = None, False
            elif depth == 2 and root is not None:
                in_body = False
                root.remove(element)  # the body, or what stands beside it: done with
            depth -= 1


@cache
def _wrappers(namespace: str) -> frozenset[tuple[str, str]]:
    """The wrappers (content controls, revisions) that may hold rows of a table."""
    return frozenset((namespace, wrapper) for wrapper in _WRAPPERS)


def _split(tag: str) -> tuple[str, str]:
    """An ElementTree tag "{namespace}local" as (namespace, local)."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


# Elements whose contents are not the document's text: properties (whose w:tab are tab stops),
# deleted or moved-away revisions, field codes, and the older copy of alternate content.
_SKIPPED = frozenset(
    {"pPr", "rPr", "tblPr", "trPr", "tcPr", "sectPr"}
    | {"del", "moveFrom", "delText", "instrText", "rt"}  # rt: a ruby's phonetic guide
)
# Wrappers whose contents are read as if they were not there.
_WRAPPERS = frozenset({"sdt", "sdtContent", "customXml", "ins", "moveTo", "smartTag"})


class _Walker:
    """The body's text in document order: a line per paragraph, table rows as plans write them."""

    def __init__(self, namespace: str, numbering: _Numbering | None = None) -> None:
        self.w = namespace
        self.numbering = numbering

    def _is(self, element: ElementTree.Element, *names: str) -> bool:
        namespace, tag = _split(element.tag)
        return namespace == self.w and tag in names

    def _children(self, parent: ElementTree.Element, name: str) -> Iterator[ElementTree.Element]:
        """The `name` children of `parent`, looking through content controls and revisions."""
        for child in parent:
            if self._is(child, name):
                yield child
            elif self._is(child, *_WRAPPERS):
                yield from self._children(child, name)

    def blocks(self, parent: Iterable[ElementTree.Element | _ReadTable]) -> Iterator[str]:
        """Lines of the paragraphs and tables directly in `parent` (a body, a cell, a control;
        or the body's children as the document is read, its tables' rows read already)."""
        carried = ""  # a paragraph whose mark was deleted runs on into the next one
        for child in parent:
            if isinstance(child, _ReadTable):
                if carried:
                    yield carried
                    carried = ""
                yield from self.table(child.table, child.rows)
                continue
            namespace, tag = _split(child.tag)
            if namespace == MC:
                if tag != "Fallback":
                    yield from self.blocks(child)
                continue
            if namespace != self.w or tag in _SKIPPED:
                continue
            if tag == "p":
                # A paragraph whose mark is deleted joins the next, whose mark (and number) stays.
                deleted = self._mark_deleted(child)
                label = "" if deleted else self.label(child)
                first, *boxes = self.paragraph(child)
                if deleted:
                    carried += first
                else:
                    yield label + carried + first
                    carried = ""
                yield from boxes
            elif tag == "tbl":
                if carried:
                    yield carried
                    carried = ""
                yield from self.table(child)
            elif tag in _WRAPPERS:
                yield from self.blocks(child)
        if carried:
            yield carried

    def _mark_deleted(self, paragraph: ElementTree.Element) -> bool:
        return paragraph.find(f"{{{self.w}}}pPr/{{{self.w}}}rPr/{{{self.w}}}del") is not None

    def label(self, paragraph: ElementTree.Element) -> str:
        """The paragraph's automatic number ("一、"), counted now: call once, in document order."""
        if self.numbering is None:
            return ""
        return self.numbering.label(paragraph.find(f"{{{self.w}}}pPr"))

    def paragraph(self, paragraph: ElementTree.Element) -> list[str]:
        """The paragraph's line, then the lines of any text boxes anchored in it."""
        pieces: list[str] = []
        boxes: list[str] = []
        self._inline(paragraph, pieces, boxes)
        return ["".join(pieces), *boxes]

    def _inline(self, parent: ElementTree.Element, pieces: list[str], boxes: list[str]) -> None:
        for child in parent:
            namespace, tag = _split(child.tag)
            if namespace == MC and tag == "Fallback":
                continue
            if namespace != self.w:  # drawings and shapes: only for the text boxes inside
                self._inline(child, pieces, boxes)
            elif tag in _SKIPPED:
                continue
            elif tag == "t":
                pieces.append(child.text or "")
            elif tag in ("tab", "ptab"):
                pieces.append("\t")
            elif tag in ("br", "cr"):
                pieces.append("\n")
            elif tag == "noBreakHyphen":
                pieces.append("-")
            elif tag == "txbxContent":
                boxes.extend(self.blocks(child))
            else:
                self._inline(child, pieces, boxes)

    # -- tables --------------------------------------------------------------------------------

    def table(self, table: ElementTree.Element, read: Iterable[list[_Cell]] = ()) -> Iterator[str]:
        """The table's lines; `read` are the rows read already, before the ones it has left."""
        rows = [*read, *(self.row(row) for row in self._children(table, "tr"))]
        return _table_lines(rows)

    def row(self, row: ElementTree.Element) -> list[_Cell]:
        w = self.w
        column = _int_attr(row.find(f"{{{w}}}trPr/{{{w}}}gridBefore"), w, 0)
        cells = []
        for cell in self._children(row, "tc"):
            span = max(1, _int_attr(cell.find(f"{{{w}}}tcPr/{{{w}}}gridSpan"), w, 1))
            merge = cell.find(f"{{{w}}}tcPr/{{{w}}}vMerge")
            continues = merge is not None and merge.get(f"{{{w}}}val", "continue") == "continue"
            parts = [part for line in self.blocks(cell) for part in line.split("\n")]
            cells.append(_Cell(column, span, continues, parts))
            column += span
        return cells


def _int_attr(element: ElementTree.Element | None, namespace: str, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(f"{{{namespace}}}val", default))
    except ValueError:
        return default


@dataclass
class _Cell:
    column: int  # the first grid column it covers
    span: int  # how many grid columns it covers
    continues: bool  # a vertically merged cell's lower part: its text is the one above
    parts: list[str]  # its paragraphs (and lines), as written

    def text(self, joiner: str = "") -> str:
        return _join((part.strip() for part in self.parts), joiner)


def _join(parts: Iterable[str], joiner: str) -> str:
    """Non-empty parts joined, without doubling punctuation a part already ends with."""
    text = ""
    for part in parts:
        if not part:
            continue
        if text and joiner and not text.endswith(("、", "，", ",", "；", ";", "：", "。", joiner)):
            text += joiner
        text += part
    return text


# -- Word's automatic list numbering -----------------------------------------------------------

NUMBERING_PART = "word/numbering.xml"
STYLES_PART = "word/styles.xml"
_LEVELS = 9  # w:ilvl runs from 0 to 8
_NO_NUMBER = frozenset({"bullet", "none"})  # a bullet is not an ordinal; "none" shows nothing
_PLACEHOLDER = re.compile(r"%([1-9])")  # %1…%9 in a w:lvlText: that level's current number


@dataclass(frozen=True)
class _Level:
    """A w:lvl: how one level of a list counts and what its label looks like."""

    start: int
    format: str  # w:numFmt
    text: str | None  # w:lvlText, "%1、"
    restart: int | None  # w:lvlRestart: restart after this level (from 1); 0 never; None: any
    legal: bool  # w:isLgl: every number in the label in digits
    style: str  # w:pStyle: the paragraph style that puts a paragraph on this level


@dataclass(frozen=True)
class _List:
    """A w:num: an abstract list's levels (with the num's overrides) and where it counts."""

    counter: str  # the w:abstractNum whose count it shares with the other nums on it
    levels: dict[int, _Level]
    restarts: dict[int, int]  # overridden level → its number when the num first reaches it


@dataclass(frozen=True)
class _Style:
    num_id: int | None
    ilvl: int | None
    based_on: str | None


# A part beside the document (numbering, styles) is read whole; one larger than this is left
# out (its numbers are lost), and so is a damaged one; one that lies about its size refuses
# the whole file.
OPTIONAL_PART_LIMIT = 10 * MB


def _optional_parts(
    file: IO[bytes], members: dict[str, zipfile.ZipInfo], names: Iterable[str]
) -> dict[str, bytes]:
    """Those of the parts `names` that the .docx has and that unpack within the limit."""
    parts: dict[str, bytes] = {}
    for part_name in names:
        info = members.get(part_name)
        if info is None or info.file_size > OPTIONAL_PART_LIMIT:
            continue
        try:
            with archives.open_member(file, info) as part:
                parts[part_name] = part.read()
        except archives.ArchiveError as error:
            if error.code == "lies":
                raise  # a part that lies was made to overload the site: the file is refused
            continue  # a damaged part loses its numbers, as a malformed one does
    return parts


def _optional_root(xml: bytes | None, namespace: str, tag: str) -> ElementTree.Element | None:
    """A part's root element if it is a well-formed `tag` in `namespace`; else None."""
    if xml is None or _has_doctype(xml):
        return None
    try:
        root = ElementTree.fromstring(xml)
    except (ElementTree.ParseError, ValueError):
        return None
    return root if root.tag == f"{{{namespace}}}{tag}" else None


class _Numbering:
    """Word's list numbers, counted paragraph by paragraph in document order.

    As in Word, the nums (numId) that share an abstract list share its count, so a list split
    over several nums runs on; a num with a level override (w:startOverride, or a w:lvl of its
    own) restarts that level where the num first reaches it. A level restarts whenever a
    shallower level of its list is used, unless its w:lvlRestart says otherwise. A paragraph
    takes its numbering from its own w:numPr, else from its style's (through w:basedOn); numId 0
    means not numbered. Anything missing or malformed in the parts just means no number.
    """

    def __init__(
        self,
        namespace: str,
        numbering: ElementTree.Element | None,
        styles: ElementTree.Element | None,
    ) -> None:
        self.w = namespace
        self.styles: dict[str, _Style] = {}
        self.default_style: str | None = None
        if styles is not None:
            self._read_styles(styles)
        self.lists: dict[int, _List] = {} if numbering is None else self._read_lists(numbering)
        self.counts: dict[str, list[int | None]] = {}  # by abstract list, a number per level
        self.reached: set[tuple[int, int]] = set()  # (numId, ilvl) already counted

    @classmethod
    def read(
        cls, file: IO[bytes], members: dict[str, zipfile.ZipInfo], namespace: str
    ) -> _Numbering | None:
        """The numbering of a .docx whose document.xml is in `namespace`; None if it has none."""
        parts = _optional_parts(file, members, (NUMBERING_PART, STYLES_PART))
        numbering = _optional_root(parts.get(NUMBERING_PART), namespace, "numbering")
        if numbering is None:
            return None
        return cls(
            namespace, numbering, _optional_root(parts.get(STYLES_PART), namespace, "styles")
        )

    # -- reading the parts ---------------------------------------------------------------------

    def _q(self, path: str) -> str:
        """An ElementTree path "numPr/numId" in the w: namespace."""
        return "/".join(f"{{{self.w}}}{step}" for step in path.split("/"))

    def _int(
        self, parent: ElementTree.Element | None, path: str, attribute: str = "val"
    ) -> int | None:
        """The integer in the w:val (or another attribute) of `path` under `parent`, or None."""
        element = parent if parent is None or not path else parent.find(self._q(path))
        if element is None:
            return None
        try:
            return int(element.get(f"{{{self.w}}}{attribute}", ""))
        except ValueError:
            return None

    def _str(self, parent: ElementTree.Element, path: str) -> str | None:
        element = parent.find(self._q(path))
        return None if element is None else element.get(f"{{{self.w}}}val")

    def _read_styles(self, root: ElementTree.Element) -> None:
        for style in root.findall(self._q("style")):
            style_id = style.get(f"{{{self.w}}}styleId")
            if not style_id or style_id in self.styles:
                continue
            numbering = style.find(self._q("pPr/numPr"))
            self.styles[style_id] = _Style(
                self._int(numbering, "numId"),
                self._int(numbering, "ilvl"),
                self._str(style, "basedOn"),
            )
            is_default = style.get(f"{{{self.w}}}default") in ("1", "true", "on")
            if is_default and style.get(f"{{{self.w}}}type", "paragraph") == "paragraph":
                self.default_style = self.default_style or style_id

    def _level(self, lvl: ElementTree.Element) -> _Level:
        number_format = self._str(lvl, "numFmt")
        if number_format is None:  # Word 2010 writes a custom format with a fallback
            fallback = lvl.find(f"{{{MC}}}AlternateContent/{{{MC}}}Fallback/{self._q('numFmt')}")
            if fallback is not None:
                number_format = fallback.get(f"{{{self.w}}}val")
        legal = lvl.find(self._q("isLgl"))
        start = self._int(lvl, "start")
        return _Level(
            start=0 if start is None else start,  # as the standard says, though Word writes one
            format=number_format or "decimal",
            text=self._str(lvl, "lvlText"),
            restart=self._int(lvl, "lvlRestart"),
            legal=legal is not None and self._on(legal),
            style=self._str(lvl, "pStyle") or "",
        )

    def _on(self, element: ElementTree.Element) -> bool:
        """An on/off property: on unless its w:val says off."""
        return element.get(f"{{{self.w}}}val", "1") not in ("0", "false", "off")

    def _levels(self, parent: ElementTree.Element) -> dict[int, _Level]:
        levels: dict[int, _Level] = {}
        for lvl in parent.findall(self._q("lvl")):
            ilvl = self._int(lvl, "", "ilvl")
            if ilvl is not None and 0 <= ilvl < _LEVELS and ilvl not in levels:
                levels[ilvl] = self._level(lvl)
        return levels

    def _read_lists(self, root: ElementTree.Element) -> dict[int, _List]:
        abstracts: dict[str, tuple[dict[int, _Level], str | None]] = {}
        for abstract in root.findall(self._q("abstractNum")):
            abstract_id = abstract.get(f"{{{self.w}}}abstractNumId")
            if abstract_id is not None and abstract_id not in abstracts:
                abstracts[abstract_id] = (
                    self._levels(abstract),
                    self._str(abstract, "numStyleLink"),
                )
        nums: dict[int, tuple[str, ElementTree.Element]] = {}
        for num in root.findall(self._q("num")):
            num_id, abstract_id = self._int(num, "", "numId"), self._str(num, "abstractNumId")
            if num_id is not None and abstract_id is not None and num_id not in nums:
                nums[num_id] = (abstract_id, num)
        lists: dict[int, _List] = {}
        for num_id, (abstract_id, num) in nums.items():
            counter = self._through_style_links(abstract_id, abstracts, nums)
            if counter is None:
                continue
            levels = dict(abstracts[counter][0])
            restarts: dict[int, int] = {}
            for override in num.findall(self._q("lvlOverride")):
                ilvl = self._int(override, "", "ilvl")
                if ilvl is None or not 0 <= ilvl < _LEVELS:
                    continue
                lvl = override.find(self._q("lvl"))
                if lvl is not None:
                    levels[ilvl] = self._level(lvl)
                start = self._int(override, "startOverride")
                if start is None and lvl is not None:
                    start = levels[ilvl].start
                if start is not None:
                    restarts[ilvl] = start
            lists[num_id] = _List(counter, levels, restarts)
        return lists

    def _through_style_links(
        self,
        abstract_id: str,
        abstracts: dict[str, tuple[dict[int, _Level], str | None]],
        nums: dict[int, tuple[str, ElementTree.Element]],
    ) -> str | None:
        """The abstract list that defines the levels: a list style's w:numStyleLink is followed
        to the num its style names and on to that num's abstract list."""
        seen = set()
        while abstract_id in abstracts and abstract_id not in seen:
            seen.add(abstract_id)
            link = abstracts[abstract_id][1]
            num_id = None if link is None else self._style_numbering(link)[0]
            if num_id is None or num_id not in nums:
                return abstract_id
            abstract_id = nums[num_id][0]
        return abstract_id if abstract_id in abstracts else None

    def _style_numbering(self, style_id: str | None) -> tuple[int | None, int | None]:
        """The (numId, ilvl) a style gives, itself or through the styles it is based on."""
        seen = set()
        while style_id is not None and style_id not in seen:
            seen.add(style_id)
            style = self.styles.get(style_id)
            if style is None:
                break
            if style.num_id is not None:
                return style.num_id, style.ilvl
            style_id = style.based_on
        return None, None

    # -- counting ------------------------------------------------------------------------------

    def label(self, properties: ElementTree.Element | None) -> str:
        """The number of a paragraph with these w:pPr ("" if none), counted in its list."""
        found = self._numbered(properties)
        if found is None:
            return ""
        num_id, ilvl = found
        numbered = self.lists[num_id]
        counts = self.counts.setdefault(numbered.counter, [None] * _LEVELS)
        current = counts[ilvl]
        if (num_id, ilvl) not in self.reached and ilvl in numbered.restarts:
            counts[ilvl] = numbered.restarts[ilvl]
        else:
            counts[ilvl] = numbered.levels[ilvl].start if current is None else current + 1
        self.reached.add((num_id, ilvl))
        for deeper in range(ilvl + 1, _LEVELS):
            level = numbered.levels.get(deeper)
            after = None if level is None else level.restart
            if after is None or ilvl < after:  # lvlRestart counts levels from 1; 0 is never
                counts[deeper] = None
        return self._render(numbered, ilvl, counts)

    def _numbered(self, properties: ElementTree.Element | None) -> tuple[int, int] | None:
        """The paragraph's (numId, ilvl), if it is in a list this document defines."""
        numbering = None if properties is None else properties.find(self._q("numPr"))
        num_id, ilvl = self._int(numbering, "numId"), self._int(numbering, "ilvl")
        if num_id is None:
            style = None if properties is None else self._str(properties, "pStyle")
            style = style or self.default_style
            num_id, style_ilvl = self._style_numbering(style)
            numbered = self.lists.get(num_id) if num_id is not None else None
            if ilvl is None:
                ilvl = style_ilvl
            if ilvl is None and numbered is not None:  # a heading style tied to a list level
                ilvl = next((i for i, lvl in numbered.levels.items() if lvl.style == style), None)
        if num_id is None or num_id == 0 or num_id not in self.lists:
            return None
        ilvl = 0 if ilvl is None else ilvl
        if ilvl not in self.lists[num_id].levels:
            return None
        return num_id, ilvl

    def _render(self, numbered: _List, ilvl: int, counts: list[int | None]) -> str:
        """The level's w:lvlText with each %n replaced by level n's number in its own format."""
        level = numbered.levels[ilvl]
        if level.format in _NO_NUMBER or not level.text:
            return ""

        def number(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            shown = numbered.levels.get(index)
            if shown is None:
                return ""
            value = counts[index]
            value = shown.start if value is None else value
            if level.legal and shown.format not in _NO_NUMBER:
                return str(value)
            return _format_number(value, shown.format)

        return _PLACEHOLDER.sub(number, level.text)


# Number formats (w:numFmt) ------------------------------------------------------------------

_STEMS = "甲乙丙丁戊己庚辛壬癸"  # 天干
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"  # 地支
_ROMAN = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)  # fmt: skip
_FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
_IDEOGRAPH_DIGITS = str.maketrans("0123456789", "〇一二三四五六七八九")


def _in_range(first: int, last: int, base: int, n: int) -> str | None:
    """Character `base` for `first`, the next for the next number… up to `last`."""
    return chr(base + n - first) if first <= n <= last else None


def _enclosed_circle(n: int) -> str | None:
    return (
        _in_range(1, 20, 0x2460, n)  # ① … ⑳
        or _in_range(21, 35, 0x3251, n)  # ㉑ … ㉟
        or _in_range(36, 50, 0x32B1, n)  # ㊱ … ㊿
    )


def _letters(n: int, first: str) -> str | None:
    """a … z, then aa … zz, aaa …: as Word letters a list."""
    if not 0 < n <= 26 * 30:
        return None
    times, index = divmod(n - 1, 26)
    return chr(ord(first) + index) * (times + 1)


def _roman(n: int, *, upper: bool) -> str | None:
    if not 0 < n < 4000:
        return None
    text = ""
    for value, numeral in _ROMAN:
        count, n = divmod(n, value)
        text += numeral * count
    return text if upper else text.lower()


def _cycle(symbols: str, n: int) -> str | None:
    return symbols[(n - 1) % len(symbols)] if n > 0 else None


def _counting(n: int) -> str | None:
    return numerals.chinese(n)


_FORMATS: dict[str, Callable[[int], str | None]] = {
    "decimal": str,
    "decimalHalfWidth": str,
    "decimalZero": lambda n: f"{n:02d}" if n >= 0 else None,
    "decimalFullWidth": lambda n: str(n).translate(_FULL_WIDTH),
    "decimalFullWidth2": lambda n: str(n).translate(_FULL_WIDTH),
    "numberInDash": lambda n: f"- {n} -",
    "decimalEnclosedCircle": _enclosed_circle,
    "decimalEnclosedCircleChinese": _enclosed_circle,
    "decimalEnclosedFullstop": lambda n: _in_range(1, 20, 0x2488, n),  # ⒈
    "decimalEnclosedParen": lambda n: _in_range(1, 20, 0x2474, n),  # ⑴
    "ideographEnclosedCircle": lambda n: _in_range(1, 10, 0x3280, n),  # ㊀
    "chineseCounting": _counting,
    "chineseCountingThousand": _counting,
    "japaneseCounting": _counting,
    "taiwaneseCounting": _counting,
    "taiwaneseCountingThousand": _counting,
    "ideographDigital": lambda n: str(n).translate(_IDEOGRAPH_DIGITS),  # 一〇
    "taiwaneseDigital": lambda n: str(n).translate(_IDEOGRAPH_DIGITS),
    "chineseLegalSimplified": lambda n: numerals.chinese(
        n, numerals.LEGAL_SIMPLIFIED, numerals.LEGAL_UNITS, ten=True
    ),
    "ideographLegalTraditional": lambda n: numerals.chinese(
        n, numerals.LEGAL_TRADITIONAL, numerals.LEGAL_UNITS, ten=True
    ),
    "ideographTraditional": lambda n: _cycle(_STEMS, n),  # 甲乙丙丁…
    "ideographZodiac": lambda n: _cycle(_BRANCHES, n),  # 子丑寅卯…
    "ideographZodiacTraditional": lambda n: (
        _STEMS[(n - 1) % 10] + _BRANCHES[(n - 1) % 12] if n > 0 else None  # 甲子, 乙丑…
    ),
    "lowerLetter": lambda n: _letters(n, "a"),
    "upperLetter": lambda n: _letters(n, "A"),
    "lowerRoman": lambda n: _roman(n, upper=False),
    "upperRoman": lambda n: _roman(n, upper=True),
}


def _format_number(n: int, number_format: str) -> str:
    """n as a w:numFmt shows it; a format this reader does not know (or cannot show n in) in
    digits, which still says where the paragraph is in its list."""
    if number_format in _NO_NUMBER:
        return ""
    formatter = _FORMATS.get(number_format)
    return (formatter(n) if formatter else None) or str(n)


# -- a plan's task table, written out as the plan's prose would -------------------------------

# Header words for each role, tried in this order (编号 before 任务: "任务编号" is a number).
_ROLE_WORDS = (
    ("number", ("序号", "编号")),
    ("lead", ("牵头",)),
    ("cooperating", ("配合", "参与", "协同", "协办")),
    ("responsible", ("责任单位", "责任部门", "负责单位", "负责部门", "责任主体")),
    ("due", ("时限", "时间节点", "完成时间", "完成期限", "时间安排")),
    ("task", ("任务", "举措", "工作内容", "具体措施", "工作措施", "主要措施", "改革事项")),
)
_HEADER_CELL_MAX = 12  # a header names a column in a few characters; longer cells are content
_PART_JOINERS = {"number": "", "task": "", "due": "，"}  # units: "、"


def _role(text: str) -> str | None:
    compact = re.sub(r"\s+", "", text)
    if not compact or len(compact) > _HEADER_CELL_MAX:
        return None
    for role, words in _ROLE_WORDS:
        if any(word in compact for word in words):
            return role
    return None


def _header(cells: list[_Cell]) -> dict[int, str] | None:
    """Grid column → role, if the row names a task column and at least one other."""
    if any(len(re.sub(r"\s+", "", cell.text())) > _HEADER_CELL_MAX for cell in cells):
        return None
    roles = {cell.column: role for cell in cells if (role := _role(cell.text()))}
    if "task" not in roles.values() or len(set(roles.values())) < 2:
        return None
    if "lead" in roles.values():  # beside a 牵头 column, 责任单位 are the ones who help
        roles = {c: "cooperating" if r == "responsible" else r for c, r in roles.items()}
    return roles


def _table_lines(rows: list[list[_Cell]]) -> Iterator[str]:
    """A task table (序号, 任务, 牵头单位… header) as plan sentences; any other, a line a row.

    A line at a time: a cell merged down a table repeats its text in every row it covers, so
    the lines can be far longer than the table, and the reader stops taking them at its limit.
    """
    found = _find_header(rows)
    if found is None:
        yield from (line for line in map(_plain_row, rows) if line)
        return
    start, roles = found
    header = [cell.text() for cell in rows[start]]
    title = map(_plain_row, rows[:start])
    body = (row for row in rows[start + 1 :] if [cell.text() for cell in row] != header)
    yield from (line for line in itertools.chain(title, _task_lines(body, roles)) if line)


def _find_header(rows: list[list[_Cell]]) -> tuple[int, dict[int, str]] | None:
    """The header row and its roles: the first row, or the second under a one-cell title row."""
    if rows and (roles := _header(rows[0])) is not None:
        return 0, roles
    titled = len(rows) > 1 and len([cell for cell in rows[0] if cell.text()]) == 1
    if titled and (roles := _header(rows[1])) is not None:  # "附件：重点任务分工表" above it
        return 1, roles
    return None


def _plain_row(row: list[_Cell]) -> str:
    return "\u3000".join(text for cell in row if (text := cell.text()))


def _task_lines(rows: Iterable[list[_Cell]], roles: dict[int, str]) -> Iterator[str]:
    """Each row as one sentence. A vertically merged cell (one 牵头单位 for several tasks) counts
    for every row it covers, except a 序号; a row with one cell across the table is a heading."""
    above: dict[int, _Cell] = {}  # the cell each vertical merge started with, by column
    for row in rows:
        filled = [cell for cell in row if cell.text()]
        merged = any(cell.continues for cell in row)
        if len(filled) == 1 and not merged and filled[0].span > 1:
            yield filled[0].text()  # "一、深化思想政治引领" across the whole row
            continue
        values: dict[str, list[str]] = {}
        for cell in row:
            if cell.continues and cell.column in above:
                source = above[cell.column]
            else:
                source = above[cell.column] = cell
            role = roles.get(cell.column)
            if role is None or (role == "number" and cell.continues):
                continue
            values.setdefault(role, []).append(source.text(_PART_JOINERS.get(role, "、")))
        yield _task_sentence(values)


def _task_sentence(values: dict[str, list[str]]) -> str:
    """The row as a plan writes it, 序号．任务（时限）（…牵头，…配合）, leaving out blanks."""
    number = _join(values.get("number", []), "").strip("(（.．、,，)）")
    task = _join(values.get("task", []), "：")
    due = _join(values.get("due", []), "，")
    parties = [
        f"{who}{role_word}"
        for role, role_word in (("lead", "牵头"), ("responsible", "负责"), ("cooperating", "配合"))
        if (who := _join(values.get(role, []), "、"))
    ]
    line = f"{number}．" if number else ""
    line += task
    if due:
        line += f"（{due}）"
    if parties:
        line += f"（{'，'.join(parties)}）"
    return line if (task or due or parties) else ""
