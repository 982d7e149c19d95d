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


def make_docx(
    paragraphs_xml: str, numbering_xml: str | None = None, styles_xml: str | None = None
) -> bytes:
    """A minimal .docx whose body is `paragraphs_xml` (w:p, w:tbl… with the w: prefix), with
    word/numbering.xml and word/styles.xml holding `numbering_xml` and `styles_xml` if given
    (whole parts: see `numbering()` and `styles()` for their usual wrapping)."""
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<w:document {W_NAMESPACES}><w:body>{paragraphs_xml}<w:sectPr/></w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELATIONSHIPS)
        archive.writestr("word/document.xml", document)
        if numbering_xml is not None:
            archive.writestr("word/numbering.xml", numbering_xml)
        if styles_xml is not None:
            archive.writestr("word/styles.xml", styles_xml)
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


# -- .docx: Word's automatic list numbering -------------------------------------------------


def numbering(*definitions: str) -> str:
    """word/numbering.xml with these w:abstractNum and w:num (abstractNums first, as Word)."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<w:numbering {W_NAMESPACES}>{''.join(definitions)}</w:numbering>"
    )


def styles(*definitions: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<w:styles {W_NAMESPACES}>{''.join(definitions)}</w:styles>"
    )


def lvl(ilvl: int, number_format: str, text: str, *, start: int = 1, extra: str = "") -> str:
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{number_format}"/>'
        f'{extra}<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/></w:lvl>'
    )


def abstract(abstract_id: int, *levels: str, extra: str = "") -> str:
    return (
        f'<w:abstractNum w:abstractNumId="{abstract_id}">'
        f'<w:multiLevelType w:val="multilevel"/>{extra}{"".join(levels)}</w:abstractNum>'
    )


def num(num_id: int, abstract_id: int, overrides: str = "") -> str:
    return f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{overrides}</w:num>'


def start_override(ilvl: int, start: int) -> str:
    return f'<w:lvlOverride w:ilvl="{ilvl}"><w:startOverride w:val="{start}"/></w:lvlOverride>'


def np(text: str, num_id: int | None = None, ilvl: int | None = None, style: str = "") -> str:
    """A paragraph with a w:pStyle and a w:numPr (either may be left out)."""
    numbered = ""
    if num_id is not None or ilvl is not None:
        numbered = "<w:numPr>"
        numbered += "" if ilvl is None else f'<w:ilvl w:val="{ilvl}"/>'
        numbered += "" if num_id is None else f'<w:numId w:val="{num_id}"/>'
        numbered += "</w:numPr>"
    styled = f'<w:pStyle w:val="{style}"/>' if style else ""
    return (
        f'<w:p><w:pPr>{styled}{numbered}<w:ind w:firstLine="640"/></w:pPr>'
        f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'
    )


# The usual outline of a plan: 一、 (一) 1．, each level restarting under the one above.
PLAN_LIST = abstract(
    0,
    lvl(0, "chineseCounting", "%1、"),
    lvl(1, "chineseCounting", "（%2）"),
    lvl(2, "decimal", "%3．"),
)
PLAN_BODY = (
    p("关于推进产业工人队伍建设改革的实施方案")
    + np("总体要求", 1, 0)
    + np("指导思想", 1, 1)
    + np("主要目标", 1, 1)
    + p("为深入贯彻落实有关精神，制定本方案。")
    + np("重点任务", 1, 0)
    + np("加强思想政治引领", 1, 1)
    + np("深入开展理想信念教育。（省总工会牵头）", 1, 2)
    + np("广泛开展劳模精神宣传。（省委宣传部负责）", 1, 2)
    + np("提高技能素质", 1, 1)
    + np("完善职业技能培训体系。（省人社厅牵头）", 1, 2)
    + np("保障措施", 1)  # no w:ilvl: the first level
)
PLAN_TEXT = (
    "关于推进产业工人队伍建设改革的实施方案\n"
    "一、总体要求\n"
    "（一）指导思想\n"
    "（二）主要目标\n"
    "为深入贯彻落实有关精神，制定本方案。\n"
    "二、重点任务\n"
    "（一）加强思想政治引领\n"
    "1．深入开展理想信念教育。（省总工会牵头）\n"
    "2．广泛开展劳模精神宣传。（省委宣传部负责）\n"
    "（二）提高技能素质\n"
    "1．完善职业技能培训体系。（省人社厅牵头）\n"
    "三、保障措施"
)


def test_automatic_numbers_are_written_before_the_text():
    data = make_docx(PLAN_BODY, numbering(PLAN_LIST, num(1, 0)))
    assert read_document("plan.docx", data) == PLAN_TEXT


def test_without_numbering_part_the_text_is_as_typed():
    assert read_document("plan.docx", make_docx(PLAN_BODY)).startswith(
        "关于推进产业工人队伍建设改革的实施方案\n总体要求\n指导思想\n"
    )


def test_start_and_start_override():
    definitions = numbering(
        abstract(0, lvl(0, "chineseCounting", "%1、", start=3), lvl(1, "decimal", "%2.")),
        num(1, 0),
        num(2, 0, start_override(0, 1)),  # Word's "restart at 1": a num of its own
        num(3, 0),  # the same list again: it runs on
    )
    body = (
        np("甲", 1, 0)
        + np("乙", 1, 0)
        + np("子", 1, 1)
        + np("丙", 2, 0)
        + np("丁", 2, 0)
        + np("戊", 3, 0)
        + np("丑", 3, 1)
    )
    assert read_document("plan.docx", make_docx(body, definitions)).split("\n") == [
        "三、甲",
        "四、乙",
        "1.子",
        "一、丙",
        "二、丁",
        "三、戊",
        "1.丑",
    ]


def test_a_level_with_lvl_restart_zero_runs_on():
    definitions = numbering(
        abstract(
            0,
            lvl(0, "chineseCounting", "第%1部分"),
            lvl(1, "decimal", "%2．", extra='<w:lvlRestart w:val="0"/>'),
        ),
        num(1, 0),
    )
    body = np("一", 1, 0) + np("a", 1, 1) + np("二", 1, 0) + np("b", 1, 1)
    assert read_document("plan.docx", make_docx(body, definitions)) == (
        "第一部分一\n1．a\n第二部分二\n2．b"
    )


def test_a_label_can_show_every_level():
    definitions = numbering(
        abstract(
            0,
            lvl(0, "chineseCounting", "第%1章"),
            lvl(1, "decimal", "%1.%2", extra="<w:isLgl/>"),
            lvl(2, "decimal", "%1.%2.%3"),
        ),
        num(1, 0),
    )
    body = np("总则", 1, 0) + np("目的", 1, 1) + np("依据", 1, 2) + np("范围", 1, 1)
    assert read_document("plan.docx", make_docx(body, definitions)) == (
        "第一章总则\n1.1目的\n一.1.1依据\n1.2范围"
    )


@pytest.mark.parametrize(
    ("number_format", "start", "label"),
    [
        ("decimal", 7, "7"),
        ("decimalFullWidth", 12, "１２"),
        ("decimalFullWidth2", 3, "３"),
        ("decimalZero", 4, "04"),
        ("chineseCounting", 1, "一"),
        ("chineseCounting", 10, "十"),
        ("chineseCounting", 11, "十一"),
        ("chineseCounting", 20, "二十"),
        ("chineseCounting", 23, "二十三"),
        ("chineseCounting", 105, "一百零五"),
        ("chineseCounting", 110, "一百一十"),
        ("chineseCountingThousand", 1010, "一千零一十"),
        ("chineseCountingThousand", 10005, "一万零五"),
        ("japaneseCounting", 12, "十二"),
        ("chineseLegalSimplified", 3, "叁"),
        ("chineseLegalSimplified", 11, "壹拾壹"),
        ("ideographTraditional", 1, "甲"),
        ("ideographTraditional", 4, "丁"),
        ("ideographTraditional", 11, "甲"),
        ("ideographDigital", 10, "一〇"),
        ("ideographZodiac", 2, "丑"),
        ("decimalEnclosedCircle", 1, "①"),
        ("decimalEnclosedCircleChinese", 20, "⑳"),
        ("decimalEnclosedCircle", 21, "㉑"),
        ("decimalEnclosedCircle", 51, "51"),
        ("decimalEnclosedParen", 2, "⑵"),
        ("decimalEnclosedFullstop", 3, "⒊"),
        ("ideographEnclosedCircle", 1, "㊀"),
        ("lowerLetter", 2, "b"),
        ("upperLetter", 28, "BB"),
        ("lowerRoman", 4, "iv"),
        ("upperRoman", 1994, "MCMXCIV"),
        ("cardinalText", 5, "5"),  # a format this reader does not spell out: digits
        ("someFutureFormat", 6, "6"),
        ("bullet", 1, ""),
        ("none", 1, ""),
    ],
)
def test_number_formats(number_format, start, label):
    definitions = numbering(abstract(0, lvl(0, number_format, "%1", start=start)), num(1, 0))
    assert read_document("plan.docx", make_docx(np("正文", 1, 0), definitions)) == label + "正文"


def test_the_label_keeps_its_punctuation_as_written():
    definitions = numbering(
        abstract(0, lvl(0, "decimalFullWidth", "%1．"), lvl(1, "decimal", "(%2)")), num(1, 0)
    )
    body = np("加强领导", 1, 0) + np("明确分工", 1, 1)
    assert read_document("plan.docx", make_docx(body, definitions)) == "１．加强领导\n(1)明确分工"


def test_bullets_are_not_numbers():
    definitions = numbering(
        abstract(0, lvl(0, "bullet", "\uf06c"), lvl(1, "bullet", "–")),
        abstract(1, lvl(0, "chineseCounting", "%1、"), lvl(1, "bullet", "•")),
        num(1, 0),
        num(2, 1),
    )
    body = (
        np("要点一", 1, 0)
        + np("细节", 1, 1)
        + np("要点二", 1, 0)
        + np("总体要求", 2, 0)
        + np("附注", 2, 1)
        + np("主要任务", 2, 0)
    )
    assert read_document("plan.docx", make_docx(body, definitions)) == (
        "要点一\n细节\n要点二\n一、总体要求\n附注\n二、主要任务"
    )


HEADING_STYLES = styles(
    '<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/></w:style>',
    '<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:basedOn w:val="a"/>'
    '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr><w:outlineLvl w:val="0"/></w:pPr></w:style>',
    '<w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/><w:basedOn w:val="a"/>'
    '<w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr></w:pPr></w:style>',
    # A style of the author's own, based on 标题 2: it numbers as its base does.
    '<w:style w:type="paragraph" w:customStyle="1" w:styleId="my2"><w:name w:val="措施"/>'
    '<w:basedOn w:val="2"/></w:style>',
    # Tied to the third level by that level's w:pStyle, as Word ties heading styles to a list.
    '<w:style w:type="paragraph" w:styleId="3"><w:name w:val="heading 3"/>'
    '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>',
)
HEADING_LIST = abstract(
    0,
    lvl(0, "chineseCounting", "%1、", extra='<w:pStyle w:val="1"/>'),
    lvl(1, "chineseCounting", "（%2）", extra='<w:pStyle w:val="2"/>'),
    lvl(2, "decimalFullWidth", "%3．", extra='<w:pStyle w:val="3"/>'),
)


def test_numbering_carried_by_the_paragraph_style():
    body = (
        np("总体要求", style="1")
        + np("指导思想", style="2")
        + np("工作目标", style="my2")
        + np("具体举措", style="3")
        + p("正文不编号。")
        + np("重点任务", style="1")
        + np("组织保障", style="2")
        + np("直接编号", 1, 2)
    )
    data = make_docx(body, numbering(HEADING_LIST, num(1, 0)), HEADING_STYLES)
    assert read_document("plan.docx", data).split("\n") == [
        "一、总体要求",
        "（一）指导思想",
        "（二）工作目标",
        "１．具体举措",
        "正文不编号。",
        "二、重点任务",
        "（一）组织保障",
        "１．直接编号",
    ]


def test_the_paragraph_level_overrides_its_style_level():
    data = make_docx(
        np("总体要求", style="1") + np("指导思想", ilvl=1, style="1"),
        numbering(HEADING_LIST, num(1, 0)),
        HEADING_STYLES,
    )
    assert read_document("plan.docx", data) == "一、总体要求\n（一）指导思想"


def test_num_id_zero_means_not_numbered():
    body = (
        np("总体要求", style="1")
        + np("不编号的标题", 0, style="1")  # the author took the number off
        + np("也不编号", 0, 0)
        + np("重点任务", style="1")
    )
    data = make_docx(body, numbering(HEADING_LIST, num(1, 0)), HEADING_STYLES)
    assert read_document("plan.docx", data) == "一、总体要求\n不编号的标题\n也不编号\n二、重点任务"


def test_a_list_style_link_is_followed():
    definitions = numbering(
        abstract(0, lvl(0, "chineseCounting", "%1、"), extra='<w:styleLink w:val="plan"/>'),
        abstract(1, extra='<w:numStyleLink w:val="plan"/>'),
        num(1, 0),
        num(2, 1),
    )
    list_style = (
        '<w:style w:type="numbering" w:styleId="plan"><w:name w:val="方案列表"/>'
        '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
    )
    body = np("总体要求", 2, 0) + np("重点任务", 2, 0)
    data = make_docx(body, definitions, styles(list_style))
    assert read_document("plan.docx", data) == "一、总体要求\n二、重点任务"


def test_numbered_paragraphs_in_table_cells():
    definitions = numbering(abstract(0, lvl(0, "decimal", "%1.")), num(1, 0))
    numbered_row = "<w:tr>" + "".join(
        f"<w:tc>{cell}</w:tc>" for cell in (np("", 1, 0), p("{task}"), p("{lead}"))
    )
    body = (
        "<w:tbl>"
        + row("序号", "重点任务", "牵头单位")
        + numbered_row.format(task="建设职工之家", lead="省总工会")
        + "</w:tr>"
        + numbered_row.format(task="开展技能竞赛", lead="省人社厅")
        + "</w:tr></w:tbl>"
        + np("正文中的编号接着表格", 1, 0)
    )
    assert read_document("plan.docx", make_docx(body, definitions)) == (
        "1．建设职工之家（省总工会牵头）\n2．开展技能竞赛（省人社厅牵头）\n3.正文中的编号接着表格"
    )


def test_a_paragraph_run_into_the_next_gets_the_next_ones_number():
    definitions = numbering(PLAN_LIST, num(1, 0))
    deleted_mark = (
        '<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr><w:rPr>'
        '<w:del w:id="1" w:author="张三"/></w:rPr></w:pPr><w:r><w:t>总体</w:t></w:r></w:p>'
    )
    body = deleted_mark + np("要求", 1, 0) + np("重点任务", 1, 0)
    assert read_document("plan.docx", make_docx(body, definitions)) == "一、总体要求\n二、重点任务"


@pytest.mark.parametrize(
    "numbering_xml",
    [
        numbering(PLAN_LIST, num(1, 0))[:-20],  # cut off
        "not xml at all",
        "",
        "\x00\xff",
        # Entities are refused here as in document.xml, even where they would make a label.
        '<?xml version="1.0"?><!DOCTYPE w:numbering [<!ENTITY one "&#37;1、">]>'
        + numbering(abstract(0, lvl(0, "chineseCounting", "&amp;one;")), num(1, 0))
        .split("?>", 1)[1]
        .replace("&amp;one;", "&one;"),
        numbering(PLAN_LIST, num(1, 0)).replace("w:numbering", "w:styles"),  # another part
        # Values Word would never write.
        numbering(
            abstract(0, lvl(0, "chineseCounting", "%1、", extra='<w:lvlRestart w:val="x"/>')),
            '<w:num w:numId="x"><w:abstractNumId w:val="0"/></w:num>',
            '<w:num w:numId="1"/>',
            '<w:num w:numId="2"><w:abstractNumId w:val="9"/></w:num>',
        ),
    ],
)
def test_a_broken_numbering_part_only_loses_the_numbers(numbering_xml):
    data = make_docx(PLAN_BODY, numbering_xml)
    text = read_document("plan.docx", data)
    assert text.split("\n")[:4] == [
        "关于推进产业工人队伍建设改革的实施方案",
        "总体要求",
        "指导思想",
        "主要目标",
    ]


def test_nonsense_in_the_numbering_is_survived():
    definitions = numbering(
        abstract(
            0,
            lvl(0, "chineseCounting", "%1、%9", start=-2),  # %9: a level it does not define
            '<w:lvl w:ilvl="99"><w:numFmt w:val="decimal"/><w:lvlText w:val="%1"/></w:lvl>',
            '<w:lvl><w:numFmt w:val="decimal"/></w:lvl>',
            '<w:lvl w:ilvl="1"><w:start w:val="999999999999999"/><w:numFmt w:val="lowerLetter"/>'
            '<w:lvlText w:val="%2)"/></w:lvl>',
            '<w:lvl w:ilvl="2"><w:numFmt w:val="decimal"/></w:lvl>',  # no w:lvlText
        ),
        abstract(1, extra='<w:numStyleLink w:val="missing"/>'),
        abstract(2, extra='<w:numStyleLink w:val="loop"/>'),
        num(1, 0),
        num(2, 1),
        num(3, 2),
        num(4, 0, '<w:lvlOverride w:ilvl="x"/><w:lvlOverride w:ilvl="0"><w:lvl/></w:lvlOverride>'),
    )
    loop = (
        '<w:style w:type="paragraph" w:styleId="loop"><w:basedOn w:val="loop2"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="loop2"><w:basedOn w:val="loop"/></w:style>'
    )
    body = (
        np("a", 1, 0)
        + np("b", 1, 1)
        + np("c", 1, 2)
        + np("d", 1, 5)
        + np("e", 2, 0)
        + np("f", 3, 0)
        + np("g", 4, 0)
        + np("h", 1, 99)
        + np("i", style="loop")
    )
    data = make_docx(body, definitions, styles(loop))
    assert read_document("plan.docx", data).split("\n") == [
        "-2、a",
        "999999999999999)b",
        "c",
        "d",
        "e",
        "f",
        "g",  # its num's own w:lvl has no w:lvlText
        "h",
        "i",
    ]


def test_a_broken_styles_part_leaves_direct_numbering():
    data = make_docx(
        np("总体要求", 1, 0) + np("重点任务", style="1"),
        numbering(HEADING_LIST, num(1, 0)),
        "<w:styles",
    )
    assert read_document("plan.docx", data) == "一、总体要求\n重点任务"


def test_a_numbered_docx_reads_as_an_outline():
    from tasks.outline import parse_document

    data = make_docx(PLAN_BODY, numbering(PLAN_LIST, num(1, 0)))
    outline = parse_document(read_document("plan.docx", data), name="plan.docx")
    areas = {area.ordinal: area for area in outline.areas}
    assert {"二、", "三、"} <= set(areas)
    assert [area.ordinal for area in outline.areas] in (["一、", "二、", "三、"], ["二、", "三、"])
    tasks = areas["二、"]
    assert tasks.title == "重点任务"
    assert [(item.ordinal, item.title) for item in tasks.measures] == [
        ("（一）", "加强思想政治引领"),
        ("（二）", "提高技能素质"),
    ]
    assert [item.ordinal for item in tasks.measures[0].children] == ["1．", "2．"]
