"""Reading an uploaded policy document: its name and bytes in, its text out, or a clear refusal.

Offices upload what they have: a .txt saved by Notepad (UTF-8, often with a BOM, or UTF-16), a
.txt saved by an older Chinese Windows or WPS (GBK), or the Word file itself (.docx). Nobody
knows which encoding their file is in, so it is detected and never asked for. What cannot be
read is refused with a message that names the file, says what is wrong and what to do instead
(a scanned page is a picture; a PDF must be exported; an old .doc must be re-saved as .docx).

Only the standard library is used: `zipfile` and `xml.etree.ElementTree` read a .docx, which
is all a policy document needs (paragraphs and tables; not pictures, headers or footnotes).
Automatic list numbers (Word's numbering, not typed) are not part of the text and are lost.
"""

from __future__ import annotations

import codecs
import io
import math
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

from django.conf import settings
from django.utils.translation import gettext, gettext_noop

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
    # Any other code: a refusal must reach the user even if its message was forgotten.
    ("", ""): gettext_noop(
        "“%(name)s” could not be read as a document. Save it as .txt or .docx and try again."
    ),
}


class DocumentError(ValueError):
    """A file that cannot be read as a document; str(error) is the translated message.

    `code` is one of: unsupported_type, empty, too_large, image, binary, undecodable, not_docx,
    encrypted (from reading), no_enumeration (from importing). `params` always has `name`; a
    `kind` parameter picks a variant of the message (binary: "pdf" or "word"; too_large:
    "unpacked" for a .docx whose text unpacks too large). The message is looked up when shown,
    so it follows the language active at that moment.
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
UNPACK_CEILING = 100 * MB  # …and never more than this: a zip bomb stops here.

W_MAIN = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"  # Word's "Strict Open XML"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"

_BROKEN_ZIP = (
    KeyError,  # no word/document.xml
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    NotImplementedError,  # a compression method zipfile lacks
    RuntimeError,  # an encrypted entry
    ValueError,
)


def _read_docx(name: str, data: bytes, max_bytes: int) -> str:
    if not data.startswith(b"PK"):  # not a zip: say what it is if that helps, else "not .docx"
        refusal = _sniff(name, data)
        if refusal is None or (refusal.code, refusal.params.get("kind")) == ("binary", "word"):
            refusal = _not_docx(name)  # an old .doc: the .docx message says what to do
        raise refusal
    xml = _document_xml(name, data, min(UNPACK_RATIO * max_bytes, UNPACK_CEILING))
    if b"<!DOCTYPE" in xml:  # Word never writes one; entities are only good for attacks
        raise _not_docx(name)
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        raise _not_docx(name) from None
    namespace, tag = _split(root.tag)
    if namespace not in (W_MAIN, W_STRICT) or tag != "document":
        raise _not_docx(name)
    body = root.find(f"{{{namespace}}}body")
    return "" if body is None else "\n".join(_Walker(namespace).blocks(body))


def _not_docx(name: str) -> DocumentError:
    return DocumentError("not_docx", name=name)


def _document_xml(name: str, data: bytes, limit: int) -> bytes:
    """word/document.xml, unpacked no further than `limit` bytes whatever the zip claims."""
    xml: bytes | None = None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(DOCUMENT_PART)
            if info.file_size <= limit:
                with archive.open(info) as part:
                    xml = part.read(limit + 1)
    except _BROKEN_ZIP:
        raise _not_docx(name) from None
    size = info.file_size if xml is None else len(xml)
    if xml is None or size > limit:
        raise DocumentError(
            "too_large",
            name=name,
            kind="unpacked",
            size=_megabytes(size, up=True),
            limit=_megabytes(limit),
            size_bytes=size,
            limit_bytes=limit,
        )
    return xml


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

    def __init__(self, namespace: str) -> None:
        self.w = namespace

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

    def blocks(self, parent: ElementTree.Element) -> Iterator[str]:
        """Lines of the paragraphs and tables directly in `parent` (a body, a cell, a control)."""
        carried = ""  # a paragraph whose mark was deleted runs on into the next one
        for child in parent:
            namespace, tag = _split(child.tag)
            if namespace == MC:
                if tag != "Fallback":
                    yield from self.blocks(child)
                continue
            if namespace != self.w or tag in _SKIPPED:
                continue
            if tag == "p":
                first, *boxes = self.paragraph(child)
                if self._mark_deleted(child):
                    carried += first
                else:
                    yield carried + first
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

    def table(self, table: ElementTree.Element) -> list[str]:
        rows = [self._row(row) for row in self._children(table, "tr")]
        return _table_lines(rows)

    def _row(self, row: ElementTree.Element) -> list[_Cell]:
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


def _table_lines(rows: list[list[_Cell]]) -> list[str]:
    """A task table (序号, 任务, 牵头单位… header) as plan sentences; any other, a line a row."""
    found = _find_header(rows)
    if found is None:
        return [line for line in map(_plain_row, rows) if line]
    start, roles = found
    header = [cell.text() for cell in rows[start]]
    title = [_plain_row(row) for row in rows[:start]]
    body = [row for row in rows[start + 1 :] if [cell.text() for cell in row] != header]
    return [line for line in title + _task_lines(body, roles) if line]


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


def _task_lines(rows: list[list[_Cell]], roles: dict[int, str]) -> list[str]:
    """Each row as one sentence. A vertically merged cell (one 牵头单位 for several tasks) counts
    for every row it covers, except a 序号; a row with one cell across the table is a heading."""
    above: dict[int, _Cell] = {}  # the cell each vertical merge started with, by column
    lines = []
    for row in rows:
        filled = [cell for cell in row if cell.text()]
        merged = any(cell.continues for cell in row)
        if len(filled) == 1 and not merged and filled[0].span > 1:
            lines.append(filled[0].text())  # "一、深化思想政治引领" across the whole row
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
        lines.append(_task_sentence(values))
    return lines


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
