"""Reading an uploaded document: .txt in any encoding an office saves, .docx, and clear refusals."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.utils import translation

from tasks.intake.reading import DocumentError, read_document

W_NAMESPACES = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
PACKAGE_RELATIONSHIPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)


def make_docx(paragraphs_xml: str) -> bytes:
    """A minimal .docx whose body is `paragraphs_xml` (w:p, w:tbl… with the w: prefix)."""
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<w:document {W_NAMESPACES}><w:body>{paragraphs_xml}<w:sectPr/></w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELATIONSHIPS)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def p(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def row(*cells: str) -> str:
    return "<w:tr>" + "".join(f"<w:tc>{p(cell)}</w:tc>" for cell in cells) + "</w:tr>"


def refusal(name: str, data: bytes, **kwargs) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        read_document(name, data, **kwargs)
    return caught.value


# -- plain text in the encodings offices save -------------------------------------------------

PLAN = "统一、规范工会工作\n一、总体要求  （省总工会牵头）\n"


def test_utf8():
    assert read_document("plan.txt", PLAN.encode()) == PLAN


def test_utf8_with_bom_loses_the_bom():
    assert read_document("plan.txt", PLAN.encode("utf-8-sig")) == PLAN


@pytest.mark.parametrize("encoding", ["gbk", "gb2312", "gb18030"])
def test_chinese_windows_encodings(encoding):
    assert read_document("plan.txt", PLAN.encode(encoding)) == PLAN


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(encoding):
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff"}.get(encoding, "")
    assert read_document("plan.txt", (bom + PLAN).encode(encoding)) == PLAN


def test_line_endings_become_newlines_and_spaces_stay():
    data = "第一条\r\n  第二条\t \r第三条\r\n".encode("gbk")
    assert read_document("plan.TXT", data) == "第一条\n  第二条\t \n第三条\n"


def test_the_text_extension_and_any_case():
    assert read_document("Plan.Text", b"hello") == "hello"


def test_a_few_stray_control_characters_are_kept():
    assert read_document("plan.txt", "正文\x1a".encode()) == "正文\x1a"


# -- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"  \r\n\t\n", "\u3000\n".encode(), b"\xef\xbb\xbf"])
def test_empty(data):
    error = refusal("plan.txt", data)
    assert error.code == "empty"
    with translation.override("en"):
        assert str(error) == "“plan.txt” is empty. Choose the file that holds the document's text."


def test_too_large():
    error = refusal("plan.txt", b"x" * 11, max_bytes=10)
    assert error.code == "too_large"
    assert error.params["size_bytes"] == 11


def test_too_large_uses_the_setting(settings):
    settings.TASKS_DOCUMENT_MAX_BYTES = 3 * 1024 * 1024
    error = refusal("plan.txt", b"x" * (3 * 1024 * 1024 + 1))
    with translation.override("en"):
        assert "“plan.txt” is 3.1 MB, more than the 3 MB limit" in str(error)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
        b"GIF89a\x01\x00\x01\x00",
        b"RIFF\x24\x00\x00\x00WEBPVP8 ",
        b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00",
    ],
)
def test_a_picture_is_not_text(data):
    error = refusal("scan.txt", data)
    assert error.code == "image"
    with translation.override("en"):
        assert "“scan.txt” is a picture" in str(error)


def test_text_that_begins_like_a_bitmap_is_still_text():
    assert read_document("cars.txt", b"BMW and Audi") == "BMW and Audi"


def test_a_pdf_is_not_text():
    error = refusal("plan.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    assert (error.code, error.params["kind"]) == ("binary", "pdf")
    with translation.override("en"):
        assert "“plan.txt” is a PDF" in str(error)


@pytest.mark.parametrize("data", [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(40), make_docx("")])
def test_a_word_file_named_txt(data):
    error = refusal("plan.txt", data)
    assert (error.code, error.params["kind"]) == ("binary", "word")
    with translation.override("en"):
        assert ".docx" in str(error)


def test_bytes_with_nuls_are_binary():
    error = refusal("data.txt", b"abc\x00\x01\x02\x03def\x00" * 20)
    assert error.code == "binary"
    assert "kind" not in error.params


def test_many_control_characters_are_binary():
    assert refusal("data.txt", bytes(range(1, 32)) * 10).code == "binary"


def test_undecodable():
    error = refusal("plan.txt", b"abc\n\x80\x80\x80\xff")
    assert error.code == "undecodable"
    assert (error.params["position"], error.params["line"]) == (5, 2)
    with translation.override("en"):
        message = str(error)
    assert "“plan.txt”" in message
    assert "byte 5 (line 2)" in message
    assert "UTF-8 or GBK" in message


def test_utf8_cut_off_mid_character_is_not_read_as_gbk():
    data = ("统一、规范工会工作" * 3).encode()[:-1]
    error = refusal("plan.txt", data)
    assert error.code == "undecodable"
    assert error.params["position"] == len(data) - 1


@pytest.mark.parametrize("name", ["plan.pdf", "plan.doc", "plan", "plan.docx.zip", "txt"])
def test_unsupported_type(name):
    error = refusal(name, b"whatever")
    assert error.code == "unsupported_type"
    with translation.override("en"):
        message = str(error)
    assert f"“{name}”" in message
    assert ".docx" in message


def test_a_code_without_its_own_message_still_explains():
    with translation.override("en"):
        assert str(DocumentError("no_enumeration", name="a.txt")).startswith(
            "No measures were found in “a.txt”"
        )
        assert "“a.txt” could not be read" in str(DocumentError("unknown", name="a.txt"))


def test_every_message_names_the_file():
    errors = [
        refusal("a.txt", b""),
        refusal("a.txt", b"xx", max_bytes=1),
        refusal("a.txt", b"\x89PNG\r\n\x1a\n"),
        refusal("a.txt", b"%PDF-1.4"),
        refusal("a.txt", b"\x00\x01"),
        refusal("a.txt", b"\x80\xff"),
        refusal("a.doc", b"x"),
        refusal("a.docx", b"plain text"),
    ]
    with translation.override("en"):
        for error in errors:
            assert f"“{error.params['name']}”" in str(error), error.code


# -- .docx ------------------------------------------------------------------------------------


def test_a_docx_that_is_not_a_zip():
    error = refusal("plan.docx", "统一、规范工会工作".encode())
    assert error.code == "not_docx"
    with translation.override("en"):
        assert "“plan.docx” is not a Word .docx file" in str(error)


def test_an_old_doc_renamed_docx():
    assert refusal("plan.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(40)).code == "not_docx"


def test_a_password_protected_docx():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le")
    assert refusal("plan.docx", data).code == "encrypted"


def test_a_picture_named_docx():
    assert refusal("plan.docx", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00").code == "image"


def test_a_zip_without_a_document():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert refusal("plan.docx", buffer.getvalue()).code == "not_docx"


def test_a_docx_with_broken_xml():
    data = make_docx("<w:p><w:r><w:t>unclosed</w:r></w:p>")
    assert refusal("plan.docx", data).code == "not_docx"


def test_a_docx_whose_text_unpacks_too_large():
    data = make_docx(p("工" * 20_000))  # compresses to far less than it unpacks to
    error = refusal("plan.docx", data, max_bytes=len(data) + 1)
    assert (error.code, error.params["kind"]) == ("too_large", "unpacked")
    with translation.override("en"):
        assert "The text inside “plan.docx” unpacks to" in str(error)


def test_an_empty_docx():
    assert refusal("plan.docx", make_docx(p("  ") + "<w:p/>")).code == "empty"


DOCUMENT_BODY = (
    p("关于进一步深化工会改革的实施意见")
    # A tab stop in the paragraph's properties is not a tab in the text.
    + '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="420"/></w:tabs></w:pPr>'
    '<w:r><w:t>一、</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">总体要求  </w:t></w:r></w:p>'
    "<w:p><w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t></w:r></w:p>"
    '<w:p><w:r><w:t>保留</w:t></w:r><w:del w:id="1" w:author="张三"><w:r>'
    '<w:delText>删去</w:delText></w:r></w:del><w:ins w:id="2" w:author="张三">'
    "<w:r><w:t>新增</w:t></w:r></w:ins></w:p>"
    "<w:p/>"
    "<w:tbl><w:tblPr/>"
    + row("序号", "重点任务", "牵头单位", "配合单位", "完成时限")
    + row("1", "健全工会组织体系", "省总工会组织部", "各市总工会", "2025年底前")
    + row("", "推进“会站家”一体化建设", "省总工会", "", "")
    + row("3.", "深化产业工人队伍建设改革", "", "省人社厅", "长期坚持")
    + "</w:tbl>"
    "<w:tbl>"
    + row("名称", "内容")
    + "<w:tr><w:tc>"
    + p("甲")
    + "</w:tc><w:tc>"
    + p("乙")
    + p("丙")
    + "</w:tc><w:tc><w:p/></w:tc></w:tr>"
    + row("", "")
    + "</w:tbl>"
    + p("结尾")
)


def test_a_docx_is_read_in_document_order():
    assert read_document("plan.docx", make_docx(DOCUMENT_BODY)) == (
        "关于进一步深化工会改革的实施意见\n"
        "一、\t总体要求  \n"
        "第一行\n第二行\n"
        "保留新增\n"
        "\n"
        "1．健全工会组织体系（2025年底前）（省总工会组织部牵头，各市总工会配合）\n"
        "推进“会站家”一体化建设（省总工会牵头）\n"
        "3．深化产业工人队伍建设改革（长期坚持）（省人社厅配合）\n"
        "名称\u3000内容\n"
        "甲\u3000乙丙\n"
        "结尾"
    )


def test_a_table_with_only_responsible_bodies():
    body = (
        "<w:tbl>"
        + row("编号", "具体措施", "责任单位", "时间节点")
        + row("1", "建设职工之家", "各市总工会", "2026年")
        + "</w:tbl>"
    )
    assert (
        read_document("plan.docx", make_docx(body)) == "1．建设职工之家（2026年）（各市总工会负责）"
    )


def test_a_task_table_under_a_title_with_merged_cells_and_heading_rows():
    merged_lead = '<w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr>' + p("省总工会") + "</w:tc>"
    merged_below = "<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>"
    units = "<w:tc>" + p("省人社厅") + p("省教育厅") + "</w:tc>"
    heading = (
        '<w:tr><w:tc><w:tcPr><w:gridSpan w:val="4"/></w:tcPr>'
        + p("一、深化思想政治引领")
        + "</w:tc></w:tr>"
    )
    body = (
        "<w:tbl>"
        + row("附件：重点任务分工表")
        + row("序号", "工作任务", "牵头单位", "配合单位")
        + heading
        + f"<w:tr><w:tc>{p('1')}</w:tc><w:tc>{p('开展宣讲')}</w:tc>{merged_lead}{units}</w:tr>"
        + f"<w:tr><w:tc>{p('2')}</w:tc><w:tc>{p('建设阵地')}</w:tc>{merged_below}<w:tc/></w:tr>"
        + "</w:tbl>"
    )
    assert read_document("plan.docx", make_docx(body)) == (
        "附件：重点任务分工表\n"
        "一、深化思想政治引领\n"
        "1．开展宣讲（省总工会牵头，省人社厅、省教育厅配合）\n"
        "2．建设阵地（省总工会牵头）"
    )


def test_text_boxes_once_and_field_codes_never():
    body = (
        '<w:p><w:r><w:t>正文</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps">'
        "<w:drawing><wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent>"
        + p("文本框")
        + "</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor>"
        "</w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>"
        + p("文本框")
        + "</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent>"
        '</w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText>'
        '</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>7</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )
    assert read_document("plan.docx", make_docx(body)) == "正文7\n文本框"


def test_make_docx_is_a_zip_with_the_document():
    with zipfile.ZipFile(io.BytesIO(make_docx(p("x")))) as archive:
        assert {"[Content_Types].xml", "word/document.xml"} <= set(archive.namelist())
