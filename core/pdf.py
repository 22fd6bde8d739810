"""A4 documents (letters, agreements) set from plain text in Chinese or English.

The text uses a few line marks: "# " starts the title, "## " a heading, "> " a line quoted as the
parties wrote it (never read as markup), "_" a signature or seal line; any other line is a paragraph.

Latin text is set in Helvetica and Chinese in ReportLab's built-in STSong-Light, switching font run by
run, so a Chinese name sits in an English sentence. STSong-Light is one of the standard Adobe-GB1 CID
fonts that PDF readers supply themselves, so no font file has to ship in the image; its Unicode
encoding (UniGB-UCS2-H) keeps the Chinese text extractable, for search, screen readers and tests.
English wraps between words; Chinese, which has no spaces, between characters.
"""

import io
import re
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
# Characters Helvetica draws (WinAnsi); anything else is drawn with the CJK font.
_LATIN = re.compile(r"[\u0020-\u007e\u00a0-\u00ff\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\u20ac]+")
MARGIN = 25 * mm
# Where a C5/DL envelope's address window sits, measured from the top of the page: the recipient's
# block is set there, and nothing else a passer-by could read shares it.
WINDOW_TOP = 45 * mm


def pdf_markup(text: str) -> str:
    """`text` as Paragraph markup, each run in the font that can draw it."""
    out, at = [], 0
    for match in _LATIN.finditer(text):
        if match.start() > at:
            out.append(f'<font name="{CJK_FONT}">{escape(text[at:match.start()])}</font>')
        out.append(escape(match.group(0)))
        at = match.end()
    if at < len(text):
        out.append(f'<font name="{CJK_FONT}">{escape(text[at:])}</font>')
    return "".join(out)


def _styles(language: str, *, size: float) -> dict[str, ParagraphStyle]:
    wrap = "CJK" if language == "zh-hans" else None
    body = ParagraphStyle("body", fontName=LATIN_FONT, fontSize=size, leading=round(size * 10 / 7), spaceAfter=3,
                          wordWrap=wrap)
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=16, leading=22, spaceAfter=10),
        "heading": ParagraphStyle("heading", parent=body, fontSize=12.5, leading=18, spaceBefore=8, spaceAfter=4),
        "body": body,
        "terms": ParagraphStyle("terms", parent=body, leftIndent=6 * mm),
        "signature": ParagraphStyle("signature", parent=body, spaceBefore=14),
        "address": ParagraphStyle("address", parent=body, fontSize=11, leading=15, spaceAfter=0),
    }


def document_pdf(*, text: str, language: str, author: str, title: str = "", window: list[str] | None = None) -> bytes:
    """`text` as an A4 PDF in `language`'s wrapping. `title` is the file's metadata title (the "# " line when
    empty). `window` are the lines set in the envelope's address window, above everything else."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    # A letter keeps to one sheet where it can: it starts at the window, in a smaller size, lower down.
    styles = _styles(language, size=10 if window else 10.5)
    story: list = []
    top_margin, bottom_margin = (WINDOW_TOP, 15 * mm) if window else (MARGIN, MARGIN)
    if window:
        story.extend(Paragraph(pdf_markup(line), styles["address"]) for line in window if line.strip())
        story.append(Spacer(1, 10 * mm))
    for raw in text.strip().splitlines():
        if not raw.strip():
            story.append(Spacer(1, 4))
            continue
        if raw.startswith("# "):
            title = title or raw[2:]
            style, line = styles["title"], raw[2:]
        elif raw.startswith("## "):
            style, line = styles["heading"], raw[3:]
        elif raw.startswith("> "):
            style, line = styles["terms"], raw[2:]
        elif raw.startswith("_"):
            style, line = styles["signature"], raw[1:]
        else:
            style, line = styles["body"], raw
        story.append(Paragraph(pdf_markup(line), style))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=top_margin,
                                 bottomMargin=bottom_margin, title=title, author=author)
    document.build(story)
    return buffer.getvalue()
