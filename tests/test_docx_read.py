"""DOCX details the seed fixtures do not cover: Word's automatic list numbers, tracked changes, text boxes."""

from __future__ import annotations

import pytest

from documents import extract
from documents.docx_numbering import chinese, format_number
from tests.test_bad_formats import W, word_package

NUMBERING = f"""<?xml version="1.0" encoding="UTF-8"?><w:numbering {W}>
<w:abstractNum w:abstractNumId="0">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl></w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
</w:numbering>""".encode()

RELS = b"""<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>
</Relationships>"""


def paragraph(text: str, level: int | None = None, num: int = 1, extra: str = "") -> str:
    numbered = f'<w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num}"/></w:numPr></w:pPr>' if level is not None else ""
    return f"<w:p>{numbered}<w:r><w:t>{text}</w:t></w:r>{extra}</w:p>"


def document(*paragraphs: str) -> bytes:
    body = "".join(paragraphs)
    return f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body}</w:body></w:document>'.encode()


def read(*paragraphs: str) -> list[tuple[str, bool]]:
    package = word_package(
        document(*paragraphs),
        extra={"word/numbering.xml": NUMBERING, "word/_rels/document.xml.rels": RELS},
        overrides='<Override PartName="/word/numbering.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>',
    )
    return [(p.text, p.list_item) for p in extract(package).paragraphs]


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (35, "三十五"), (101, "一百零一"), (110, "一百一十")],
)
def test_chinese_counting(number: int, text: str) -> None:
    assert chinese(number) == text
    assert format_number(number, "chineseCountingThousand") == text


def test_other_number_formats() -> None:
    assert [format_number(n, "ideographTraditional") for n in (1, 2, 10)] == ["甲", "乙", "癸"]
    assert format_number(4, "upperRoman") == "IV"
    assert format_number(28, "lowerLetter") == "bb"
    assert format_number(3, "decimalEnclosedCircle") == "③"


def test_word_list_numbers_are_part_of_the_text() -> None:
    """Section headings numbered by Word carry "一、" only in the numbering definition, yet the rules need it."""
    assert read(
        paragraph("总体情况", 0),
        paragraph("主动公开政府信息情况", 1),
        paragraph("依申请公开情况", 1),
        paragraph("属于国家秘密", 2),
        paragraph("主动公开政府信息情况", 0),
        paragraph("规章", 1),
        paragraph("一条要点", 0, num=2),
    ) == [
        ("一、总体情况", False),
        ("（一）主动公开政府信息情况", False),
        ("（二）依申请公开情况", False),
        ("1.属于国家秘密", False),
        ("二、主动公开政府信息情况", False),
        ("（一）规章", False),
        ("一条要点", True),
    ]


def test_deleted_text_and_text_boxes_are_not_read() -> None:
    deleted = '<w:del w:id="1" w:author="a"><w:r><w:delText>旧</w:delText></w:r></w:del>'
    inserted = '<w:ins w:id="2" w:author="a"><w:r><w:t>新增</w:t></w:r></w:ins>'
    box = (
        '<w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox><w:txbxContent>'
        "<w:p><w:r><w:t>印章文字</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
    )
    texts = [text for text, _item in read(paragraph("本年度", extra=deleted + inserted + box))]
    assert texts[0] == "本年度新增"
    assert "旧" not in "".join(texts)
