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

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
# Characters Helvetica draws (WinAnsi); anything else is drawn with the CJK font.
_LATIN = re.compile(r"[\u0020-\u007e\u00a0-\u00ff\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\u20ac]+")
MARGIN = 25 * mm
# Where a window envelope's address window sits on the page (DIN 5008 form B, which C5/6 and DL window
# envelopes follow): 45 mm from the top, 45 mm high, 85 mm wide. The recipient's block is set there, and
# nothing else a passer-by could read shares it: the letter itself starts below the window.
WINDOW_TOP = 45 * mm
WINDOW_HEIGHT = 45 * mm
WINDOW_WIDTH = 85 * mm


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


# (font size, leading, space before, space after) of each kind of line; the compact set, a size smaller and
# tighter, keeps a letter to one sheet.
_SIZES = {
    False: {"body": (10.5, 15, 0, 3), "title": (16, 22, 0, 10), "heading": (12.5, 18, 8, 4),
            "signature": (10.5, 15, 14, 3)},
    True: {"body": (9.5, 13.5, 0, 2), "title": (14, 19, 0, 8), "heading": (11, 15, 5, 2),
           "signature": (9.5, 13.5, 10, 2)},
}


def _styles(language: str, *, compact: bool) -> dict[str, ParagraphStyle]:
    wrap = "CJK" if language == "zh-hans" else None
    styles = {name: ParagraphStyle(name, fontName=LATIN_FONT, fontSize=size, leading=leading, spaceBefore=before,
                                   spaceAfter=after, wordWrap=wrap)
              for name, (size, leading, before, after) in _SIZES[compact].items()}
    styles["terms"] = ParagraphStyle("terms", parent=styles["body"], leftIndent=6 * mm)
    styles["address"] = ParagraphStyle("address", parent=styles["body"], fontSize=10, leading=14, spaceAfter=0,
                                       rightIndent=A4[0] - 2 * MARGIN - WINDOW_WIDTH)
    return styles


def qr_flowable(data: str, *, size: float = 30 * mm) -> Image:
    """`data` as a QR code image (segno, error correction M), `size` wide."""
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=8, border=2)
    buffer.seek(0)
    return Image(buffer, width=size, height=size, hAlign="LEFT")


def document_pdf(*, text: str, language: str, author: str, title: str = "", window: list[str] | None = None,
                 qr: str = "") -> bytes:
    """`text` as an A4 PDF in `language`'s wrapping. `title` is the file's metadata title (the "# " line when
    empty). `window` are the lines set in the envelope's address window, above everything else. `qr`, when
    given, is set as a QR code after the text (a letter's link to the cardholder's own page)."""
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    # A letter keeps to one sheet where it can: it starts at the window, in a smaller size, lower down.
    styles = _styles(language, compact=bool(window))
    story: list = []
    top_margin, bottom_margin = (WINDOW_TOP, 15 * mm) if window else (MARGIN, MARGIN)
    if window:
        block = [Paragraph(pdf_markup(line), styles["address"]) for line in window if line.strip()]
        used = sum(paragraph.wrap(A4[0] - 2 * MARGIN, WINDOW_HEIGHT)[1] for paragraph in block)
        story.extend([*block, Spacer(1, max(WINDOW_HEIGHT - used, 0) + 6 * mm)])
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
    if qr:
        story.extend([Spacer(1, 4 * mm), qr_flowable(qr)])
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=top_margin,
                                 bottomMargin=bottom_margin, title=title, author=author)
    document.build(story)
    return buffer.getvalue()
