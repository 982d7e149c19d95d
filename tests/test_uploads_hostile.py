"""Uploads that hold under hostile and heavy input: documents of any size and shape are read in
time linear in their size, zip bombs are refused before they are unpacked, and a ledger cell
whose formula was never calculated is not taken for an empty one."""

from __future__ import annotations

import io
import re
import statistics
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from datetime import date

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.html import escape
from openpyxl.utils import get_column_letter

from tasks import archives
from tasks.intake.importing import DocumentError, propose
from tasks.intake.reading import read_document
from tasks.ledger.upload import read_ledger
from tasks.ledger.upload.sheet import _archive_refusal
from tests import test_ledger_upload
from tests.big_documents import document, docx_of
from tests.test_document_import import IMPORT_URL, SESSION_KEY, db_counts, upload
from tests.test_document_reading import make_docx, p
from tests.test_layout import imports_of
from tests.test_ledger_upload import EN, XLSX_TYPE, _col, _exported, _row_of, _state, _upload

MB = 1024 * 1024
plan = test_ledger_upload.plan  # the fixture: three measures to upload a ledger to


# -- reading a document is linear in its size -------------------------------------------------


def _least_times(runs: dict[str, Callable[[], object]], repeats: int = 5) -> dict[str, float]:
    """The least time of each run over `repeats` rounds, the runs taken in turns: a machine
    busy for a moment slows one round of each, not all rounds of one."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _round in range(repeats):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    return {name: min(spent) for name, spent in times.items()}


SMALL = 64 * 1024


@pytest.mark.parametrize(
    ("kind", "docx"),
    [
        ("plan", False),  # a 实施方案 with repeated sections and a city-by-city breakdown
        ("plan", True),  # the same plan as a Word document
        ("oneline", False),  # the plan on one line
        ("wrapped", False),  # the plan hard-wrapped at 30 characters a line
        ("tiny", False),  # very many tiny items
        ("same", False),  # long runs of one sentence
        ("similar", False),  # a long list of items alike but for a city and a number
        ("notes", False),  # a note of a thousand names, one never closed, one running on
    ],
)
def test_reading_four_times_the_text_takes_less_than_eight_times_as_long(kind, docx):
    """Linear is four times as long (plus a little while the document's stock phrases are
    being learnt); quadratic is sixteen. (The time, not a count: every step from the bytes to
    the proposal is in it, whichever one would go wrong.)"""
    uploads = {}
    for size in (SMALL, 4 * SMALL):
        text = document(size, kind)
        uploads[size] = (docx_of(text), "plan.docx") if docx else (text.encode(), "plan.txt")
    times = _least_times(
        {
            size: lambda data=data, name=name: propose(
                name, data, max_bytes=4 * SMALL, max_items=10**9
            )
            for size, (data, name) in uploads.items()
        }
    )
    assert times[4 * SMALL] < 8 * times[SMALL], times


def test_a_word_document_is_read_in_memory_that_does_not_grow_with_its_xml():
    """A document as Word writes it (30 times as much XML as text) is parsed a paragraph at a
    time: four times the document takes about the same memory, not four times the tree of its
    XML (a 95 MB document.xml took 780 MB when it was parsed whole)."""
    peaks = {}
    for size in (SMALL, 4 * SMALL):
        data = docx_of(document(size, "plan"), verbose=True)
        peaks[size] = _peak_of(lambda data=data: read_document("plan.docx", data))[1]
    assert peaks[4 * SMALL] < 2 * peaks[SMALL], peaks


# -- zip bombs ----------------------------------------------------------------------------------


def _rezip(data: bytes, replace: dict[str, Callable[[zipfile.ZipFile, str], None]]) -> bytes:
    """The archive with some members written anew (by `replace[name](archive, name)`), the
    others copied, and the new ones added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as old,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new,
    ):
        for info in old.infolist():
            if info.filename not in replace:
                new.writestr(info.filename, old.read(info))
        for name, write in replace.items():
            write(new, name)
    return out.getvalue()


def _repeated(
    head: bytes, character: bytes, size: int, tail: bytes, *, zip64: bool = False
) -> Callable:
    """A member writer: `head`, one character repeated, `tail`, about `size` bytes in all —
    deflated as written, a megabyte at a time, so the test never holds it whole (with its
    sizes in a ZIP64 field if `zip64`, as a zip of gigabytes has them)."""

    def write(archive: zipfile.ZipFile, name: str) -> None:
        with archive.open(name, "w", force_zip64=zip64) as member:
            member.write(head)
            left = size - len(head) - len(tail)
            while left >= len(character):
                block = character * min(MB, left // len(character))
                member.write(block)
                left -= len(block)
            member.write(tail)

    return write


def _text(content: str) -> Callable:
    return lambda archive, name: archive.writestr(name, content)


def _lie(data: bytes, member: str, declared: int) -> bytes:
    """The archive with `member`'s unpacked size given as `declared` bytes (its real size is
    larger), in its central directory entry and in its local header."""
    raw = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(member).header_offset
    raw[local + 22 : local + 26] = declared.to_bytes(4, "little")
    central = raw.find(b"PK\x01\x02")
    while central >= 0:
        length = int.from_bytes(raw[central + 28 : central + 30], "little")
        if raw[central + 46 : central + 46 + length] == member.encode():
            raw[central + 24 : central + 28] = declared.to_bytes(4, "little")
            return bytes(raw)
        central = raw.find(b"PK\x01\x02", central + 4)
    raise AssertionError(member)


def _many_members(data: bytes, count: int) -> bytes:
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive:
        for number in range(count):
            archive.writestr(f"customXml/item{number}.xml", "")
    return out.getvalue()


SHARED_STRINGS = "xl/sharedStrings.xml"
SST = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
SST_END = b"</t></si></sst>"
SST_RELATIONSHIP = (
    '<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>'
)
SST_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)


def _with_shared_strings(data: bytes, write: Callable) -> bytes:
    """A workbook given a shared strings part (written by `write`), referenced as Excel does."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        types = archive.read("[Content_Types].xml").decode()
    return _rezip(
        data,
        {
            "xl/_rels/workbook.xml.rels": _text(rels.replace("</Relationships>", SST_RELATIONSHIP)),
            "[Content_Types].xml": _text(types.replace("</Types>", SST_TYPE)),
            SHARED_STRINGS: write,
        },
    )


@pytest.fixture
def ledger(coordinator_client, plan) -> bytes:
    """The ledger as the task book exports it, saved again by openpyxl (as an edit would)."""
    out = io.BytesIO()
    _exported(coordinator_client).save(out)
    return out.getvalue()


def _peak_of(run: Callable[[], object]) -> tuple[object, int]:
    """What `run` returns, and the most memory it held at once (traced, in bytes)."""
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


LEDGER_BOMBS = {
    # 200 MB of one character in the shared strings: packs to 200 KB (1,000 to 1)
    "shared strings of 200 MB": (
        lambda data: _with_shared_strings(
            data, _repeated(SST, b"a", 200 * MB, SST_END, zip64=True)
        ),
        "Part “xl/sharedStrings.xml” of the file unpacks to 200.0 MB, more than the 50 MB",
    ),
    # 20 MB, within the limits of size, but packed 1,000 to 1
    "shared strings packed 1,000 to 1": (
        lambda data: _with_shared_strings(data, _repeated(SST, b"a", 20 * MB, SST_END)),
        "Part “xl/sharedStrings.xml” of the file unpacks to 20.0 MB",
    ),
    # says 1 KB, unpacks to 30 MB
    "a part that lies about its size": (
        lambda data: _lie(
            _with_shared_strings(data, _repeated(SST, b"a", 30 * MB, SST_END)),
            SHARED_STRINGS,
            1024,
        ),
        "Part “xl/sharedStrings.xml” of the file unpacks to more than the size it states",
    ),
    "3,000 parts": (
        lambda data: _many_members(data, 3_000),
        "parts; a workbook has a few dozen at most (this site reads up to 2000)",
    ),
}


@pytest.mark.parametrize("bomb", LEDGER_BOMBS)
def test_a_ledger_bomb_is_refused_before_it_is_unpacked(coordinator_client, ledger, bomb):
    make, words = LEDGER_BOMBS[bomb]
    data = make(ledger)
    assert len(data) < 5 * MB  # within the upload limit: the archive check must catch it
    upload = SimpleUploadedFile("台账.xlsx", data, content_type=XLSX_TYPE)
    before = _state()
    response, peak = _peak_of(lambda: _upload(coordinator_client, upload, **EN))
    html = response.content.decode()
    assert escape(words) in html, html[html.find("upload-form") :][:3000]
    assert 'class="field-error"' in html and 'name="token"' not in html
    assert _state() == before
    assert peak < 20 * MB  # nothing was unpacked whole


def test_a_ledger_bomb_is_refused_in_the_site_language(coordinator_client, ledger):
    make, _words = LEDGER_BOMBS["shared strings of 200 MB"]
    upload = SimpleUploadedFile("台账.xlsx", make(ledger), content_type=XLSX_TYPE)
    html = _upload(coordinator_client, upload).content.decode()
    with translation.override("zh-hans"):
        message = _archive_refusal(
            archives.ArchiveError(
                "member_too_large", member=SHARED_STRINGS, size=200 * MB, limit=50 * MB
            )
        )
    assert escape(message) in html


def test_the_ledger_of_20000_measures_passes_the_archive_check():
    """An export of 20,000 measures (built as the export writes it: XlsxWriter, inline
    strings) unpacks within the limits, and is checked in little memory."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": True})
    sheet = book.add_worksheet("台账")
    for row in range(20_003):
        sheet.write_row(
            row,
            0,
            [
                row,
                f"第{row % 40}方面 深化产业工人队伍建设改革",
                f"健全第{row}项职工技能培训体系，推动产教融合校企合作",
                "省总工会",
                "省人社厅、省教育厅",
                f"用户{row % 1000}",
                "2026-01-01",
                "2027-06-30",
                "高",
                row,
                "进行中",
                "绿",
                0.4,
                "已完成年度目标的百分之四十",
                "",
                "继续推进",
            ],
        )
    book.close()
    data = out.getvalue()
    members = archives.check(data)
    assert sum(info.file_size for info in members) > 10 * MB  # a big one, not a toy
    assert _peak_of(lambda: archives.verify(data))[1] < 2 * MB


DOCUMENT_BOMBS = {
    "document.xml of 200 MB": (
        lambda: _rezip(
            make_docx(p("一、加强组织领导")),
            {
                "word/document.xml": _repeated(
                    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                    b'2006/main"><w:body><w:p><w:r><w:t>',
                    "工".encode(),
                    200 * MB,
                    b"</w:t></w:r></w:p></w:body></w:document>",
                )
            },
        ),
        ("archive", "too_large"),
    ),
    "document.xml packed 1,000 to 1": (
        lambda: _rezip(
            make_docx(p("一、加强组织领导")),
            {
                "word/document.xml": _repeated(
                    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                    b'2006/main"><w:body><w:p><w:r><w:t>',
                    b"a",
                    20 * MB,
                    b"</w:t></w:r></w:p></w:body></w:document>",
                )
            },
        ),
        ("archive", "ratio"),
    ),
    "numbering that lies about its size": (
        lambda: _lie(
            _rezip(
                make_docx(p("一、加强组织领导")),
                {"word/numbering.xml": _repeated(b"<w:numbering>", b"a", 30 * MB, b"</w:x>")},
            ),
            "word/numbering.xml",
            1024,
        ),
        ("archive", "lies"),
    ),
    "document.xml that lies about its size": (
        lambda: _lie(
            _rezip(
                make_docx(p("一、加强组织领导")),
                {
                    "word/document.xml": _repeated(
                        b'<w:document xmlns:w="http://schemas.openxmlformats.org/'
                        b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>',
                        b"a",
                        30 * MB,
                        b"</w:t></w:r></w:p></w:body></w:document>",
                    )
                },
            ),
            "word/document.xml",
            2048,
        ),
        ("archive", "lies"),
    ),
    "3,000 parts": (
        lambda: _many_members(make_docx(p("一、加强组织领导")), 3_000),
        ("archive", "members"),
    ),
}


@pytest.mark.parametrize("bomb", DOCUMENT_BOMBS)
def test_a_document_bomb_is_refused_before_it_is_unpacked(coordinator_client, bomb):
    make, (code, kind) = DOCUMENT_BOMBS[bomb]
    data = make()
    assert len(data) < 5 * MB
    with pytest.raises(DocumentError) as refused:
        propose("方案.docx", data)
    error = refused.value
    assert (error.code, error.params.get("kind")) == (code, kind)
    with translation.override("en"):
        assert "“方案.docx”" in str(error) and "upload it again" in str(error)
    response, peak = _peak_of(lambda: upload(coordinator_client, "方案.docx", data))
    assert response.status_code == 200
    assert escape(str(error)) in response.content.decode()
    assert SESSION_KEY not in coordinator_client.session
    assert db_counts()[:3] == (0, 0, 0)
    assert peak < 20 * MB


def test_a_damaged_numbering_part_costs_only_the_numbers():
    """A part beside the document that is merely damaged (a wrong checksum) is left out, as a
    malformed one is; one that lies about its size refuses the file (above)."""
    data = make_docx(p("一、加强组织领导"), numbering_xml="<w:numbering/>")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        crc = archive.getinfo("word/numbering.xml").CRC
    data = data.replace(crc.to_bytes(4, "little"), (crc ^ 1).to_bytes(4, "little"))
    assert propose("方案.docx", data).nodes


def test_a_document_whose_text_is_longer_than_the_limit(settings):
    settings.TASKS_DOCUMENT_MAX_BYTES = MB
    data = docx_of(document(2 * MB, "plan"))
    assert len(data) < MB  # the file is small; its text is not
    with pytest.raises(DocumentError) as refused:
        propose("方案.docx", data)
    assert (refused.value.code, refused.value.params["kind"]) == ("too_large", "text")
    with translation.override("en"):
        assert "The text of “方案.docx” is more than the 1 MB this site reads" in str(refused.value)


def test_the_archive_module_is_pure():
    assert {name for name in imports_of("tasks.archives") if name.startswith("django")} == set()


def test_an_upload_page_survives_the_bomb_too(coordinator_client):
    make, _kind = DOCUMENT_BOMBS["document.xml of 200 MB"]
    response = coordinator_client.post(
        IMPORT_URL, {"file": SimpleUploadedFile("方案.docx", make())}, **EN
    )
    page = response.content.decode()
    assert "“方案.docx” unpacks to 200.0 MB, more than the 50 MB this site reads" in page


# -- formula cells ------------------------------------------------------------------------------


def _xlsx(book: openpyxl.Workbook) -> io.BytesIO:
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def _formulas(coordinator_client, plan, cells: dict[str, str]) -> tuple[openpyxl.Workbook, int]:
    """The exported ledger with formulas (openpyxl writes no value for them) in row a, by
    column key."""
    book = _exported(coordinator_client)
    sheet = book.active
    row = _row_of(sheet, plan["a"].title)
    for key, formula in cells.items():
        sheet.cell(row, _col(sheet, key)).value = formula
    return book, row


def _letter(book: openpyxl.Workbook, key: str) -> str:
    return get_column_letter(_col(book.active, key))


def test_a_formula_never_calculated_is_a_row_error_not_an_empty_cell(coordinator_client, plan):
    book, row = _formulas(coordinator_client, plan, {"due_date": "=B2", "progress": "=B2*2"})
    other = _row_of(book.active, plan["b"].title)
    book.active.cell(other, _col(book.active, "priority")).value = "高"  # nothing is applied
    preview = read_ledger(_xlsx(book))
    errors = {(error.row, error.column): error.message for error in preview.errors}
    assert set(errors) == {(row, "完成时限"), (row, "进度")}
    with translation.override("en"):
        preview = read_ledger(_xlsx(book))
    for error in preview.errors:
        key = {"完成时限": "due_date", "进度": "progress"}[error.column]  # the file's header
        cell = _letter(book, key) + str(row)
        assert error.message.startswith(f"Cell {cell} holds a formula whose value was never")
        assert "open the file in Excel or WPS and save it" in error.message
    assert [change.row for change in preview.changes] == [other]  # none for row a
    before = _state()
    html = _upload(coordinator_client, book, **EN).content.decode()
    for key in ("due_date", "progress"):
        assert f"Cell {_letter(book, key)}{row} holds a formula" in html
    assert 'name="token"' not in html  # nothing can be confirmed
    assert _state() == before


def _calculated(data: bytes, values: dict[str, tuple[str, str]]) -> bytes:
    """The workbook as Excel saves it once calculated: each formula cell named given a type
    attribute ("" for none) and its value (a <v> element)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        name = next(n for n in archive.namelist() if n.startswith("xl/worksheets/"))
        xml = archive.read(name).decode()
    for cell, (kind, value) in values.items():
        start = xml.index(f'<c r="{cell}"')
        end = xml.index("</c>", start)
        element = re.sub(r"<v\s*/>|<v></v>", value, xml[start:end])
        element = element.replace(f'<c r="{cell}"', f'<c r="{cell}"{kind}', 1)
        xml = xml[:start] + element + xml[end:]
    return _rezip(data, {name: _text(xml)})


def test_a_formula_with_its_value_reads_as_that_value(coordinator_client, plan):
    book, row = _formulas(coordinator_client, plan, {"progress": "=B2*2", "due_date": '=""'})
    calculated = {
        f"{_letter(book, 'progress')}{row}": ("", "<v>45</v>"),
        # a formula calculated to "", as Excel keeps it
        f"{_letter(book, 'due_date')}{row}": (' t="str"', "<v></v>"),
    }
    data = _calculated(_xlsx(book).getvalue(), calculated)
    preview = read_ledger(io.BytesIO(data))
    assert preview.errors == []
    [change] = preview.changes
    shown = {field.label: (field.before, field.after) for field in change.changes}
    assert shown["进度（%）"] == ("20%", "45%")  # the value Excel calculated
    assert shown["完成时限"] == ("2026-12-31", "—")  # a formula calculated to "": empty


def test_a_ledger_without_formulas_is_read_once(coordinator_client, plan, monkeypatch):
    book = _exported(coordinator_client)
    row = _row_of(book.active, plan["a"].title)
    loads = []
    real = openpyxl.load_workbook
    monkeypatch.setattr(
        openpyxl, "load_workbook", lambda *a, **k: loads.append(k["data_only"]) or real(*a, **k)
    )
    progress = _col(book.active, "progress")
    book.active.cell(row, progress).value = 60
    assert read_ledger(_xlsx(book)).changes
    assert loads == [True]
    book.active.cell(row, progress).value = "=B2"
    assert read_ledger(_xlsx(book)).errors
    assert loads == [True, True, False]


def test_the_clock_is_frozen_but_not_the_stopwatch():
    """The scaling tests time with time.perf_counter, which the frozen clock leaves running."""
    started = time.perf_counter()
    statistics.fmean(range(200_000))
    assert time.perf_counter() > started
    assert date.today() == date(2026, 11, 24)
