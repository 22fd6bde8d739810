import gettext
import re
from pathlib import Path

CATALOG = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"
ENTRY = re.compile(r'\nmsgid "((?:[^"\\]|\\.)+)"\nmsgstr "((?:[^"\\]|\\.)*)"\n')


def test_every_string_in_the_chinese_catalogue_is_translated():
    po = (CATALOG / "django.po").read_text(encoding="utf-8")
    assert [msgid for msgid, msgstr in ENTRY.findall(po) if not msgstr] == []
    # A fuzzy entry is a guess that compilemessages leaves out; the header may carry the flag.
    assert po.split("\n\n", 1)[1].count("#, fuzzy") == 0


def test_the_compiled_catalogue_matches_the_source():
    po = (CATALOG / "django.po").read_text(encoding="utf-8")
    with (CATALOG / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = [msgid for msgid, msgstr in ENTRY.findall(po)
             if compiled.gettext(msgid.replace('\\"', '"')) != msgstr.replace('\\"', '"')]
    assert stale == [], "run `make messages` to recompile"
