"""The written agreement (书面协议): a PDF of an approved plan, from the Chinese or the English template.

The text comes from `templates/repayment_plans/agreement_<language>.txt` (a line starting "# " is the
title, "## " a heading). It is drawn with ReportLab's built-in STSong-Light CID font, as contacts'
letters are, so Chinese renders with no font files; the same font carries the Latin text, and a
Chinese name in the English agreement.
"""

import io

from django.conf import settings
from django.template.loader import render_to_string
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from contacts.messages import mask_card
from contacts.senders import CJK_FONT
from repayment_plans.models import RepaymentPlan

LANGUAGES = ("zh-hans", "en")
KIND_NAMES = {
    "zh-hans": {"instalments": "分期还款", "deferral": "延期还款", "settlement": "减免结清"},
    "en": {"instalments": "Instalments", "deferral": "Deferral", "settlement": "Settlement"},
}


def agreement_text(*, plan: RepaymentPlan, language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"no agreement template in {language!r}")
    return render_to_string(f"repayment_plans/agreement_{language}.txt", {
        "plan": plan, "customer": plan.case.account.customer, "card": mask_card(plan.case.account.account_number),
        "kind": KIND_NAMES[language][plan.kind], "bank": settings.CONTACTS_BANK_NAME,
        "grace": settings.PROMISE_GRACE_DAYS, "instalments": list(plan.instalments.order_by("number")),
    })


def agreement_pdf(*, plan: RepaymentPlan, language: str) -> bytes:
    """The agreement for `plan` as an A4 PDF in `language` ("zh-hans" or "en")."""
    text = agreement_text(plan=plan, language=language)
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    width, height = A4
    y = height - 72
    for raw in text.strip().splitlines():
        size, line = (16, raw[2:]) if raw.startswith("# ") else (13, raw[3:]) if raw.startswith("## ") else (11, raw)
        if size == 16:
            page.setTitle(line)
        while True:
            # Wrap by width, character by character: Chinese has no spaces to break at.
            cut = len(line)
            while cut > 1 and pdfmetrics.stringWidth(line[:cut], CJK_FONT, size) > width - 144:
                cut -= 1
            if y < 72:
                page.showPage()
                y = height - 72
            page.setFont(CJK_FONT, size)
            page.drawString(72, y, line[:cut])
            y -= size + 7
            line = line[cut:]
            if not line:
                break
    page.showPage()
    page.save()
    return buffer.getvalue()
