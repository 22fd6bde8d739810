"""The written agreement (书面协议): a PDF of an approved plan, from the Chinese or the English template.

The text comes from `templates/repayment_plans/agreement_<language>.txt`: a line starting "# " is the
title, "## " a heading, "> " a line of the further terms as the parties wrote them (never read as
markup), and "_" a signature line. Latin text is set in Helvetica and Chinese in ReportLab's built-in
STSong-Light CID font (no font files needed), switching font run by run, so a Chinese name sits in an
English sentence. English wraps between words; Chinese, which has no spaces, between characters.
"""

import io
import re
from xml.sax.saxutils import escape

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from contacts.messages import mask_card
from contacts.senders import CJK_FONT
from repayment_plans.models import RepaymentPlan

LANGUAGES = ("zh-hans", "en")
LATIN_FONT = "Helvetica"
KIND_NAMES = {
    "zh-hans": {"instalments": "分期还款", "deferral": "延期还款", "settlement": "减免结清"},
    "en": {"instalments": "Instalments", "deferral": "Deferral", "settlement": "Settlement"},
}
# Characters Helvetica draws (WinAnsi); anything else is drawn with the CJK font.
_LATIN = re.compile(r"[\u0020-\u007e\u00a0-\u00ff\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\u20ac]+")


def agreement_text(*, plan: RepaymentPlan, language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"no agreement template in {language!r}")
    customer = plan.case.account.customer
    made_on = timezone.localtime(plan.decided_at or timezone.now()).date()
    return render_to_string(f"repayment_plans/agreement_{language}.txt", {
        "plan": plan, "customer": customer, "card": mask_card(plan.case.account.account_number),
        "kind": KIND_NAMES[language][plan.kind], "bank": settings.CONTACTS_BANK_NAME,
        "grace": settings.PROMISE_GRACE_DAYS, "instalments": list(plan.instalments.order_by("number")),
        "made_on": made_on, "terms_lines": [line.rstrip() for line in plan.terms.strip().splitlines()],
    })


def _markup(text: str) -> str:
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


def _styles(language: str) -> dict[str, ParagraphStyle]:
    wrap = "CJK" if language == "zh-hans" else None
    body = ParagraphStyle("body", fontName=LATIN_FONT, fontSize=10.5, leading=15, spaceAfter=3, wordWrap=wrap)
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=16, leading=22, spaceAfter=10),
        "heading": ParagraphStyle("heading", parent=body, fontSize=12.5, leading=18, spaceBefore=8, spaceAfter=4),
        "body": body,
        "terms": ParagraphStyle("terms", parent=body, leftIndent=6 * mm),
        "signature": ParagraphStyle("signature", parent=body, spaceBefore=14),
    }


def agreement_pdf(*, plan: RepaymentPlan, language: str) -> bytes:
    """The agreement for `plan` as an A4 PDF in `language` ("zh-hans" or "en")."""
    text = agreement_text(plan=plan, language=language)
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    styles = _styles(language)
    story, title = [], ""
    for raw in text.strip().splitlines():
        if not raw.strip():
            story.append(Spacer(1, 4))
            continue
        if raw.startswith("# "):
            title = raw[2:]
            style, line = styles["title"], raw[2:]
        elif raw.startswith("## "):
            style, line = styles["heading"], raw[3:]
        elif raw.startswith("> "):
            style, line = styles["terms"], raw[2:]
        elif raw.startswith("_"):
            style, line = styles["signature"], raw[1:]
        else:
            style, line = styles["body"], raw
        story.append(Paragraph(_markup(line), style))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=25 * mm,
                                 bottomMargin=25 * mm, title=title, author=settings.CONTACTS_BANK_NAME)
    document.build(story)
    return buffer.getvalue()
