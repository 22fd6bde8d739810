import gettext
import re
from pathlib import Path

CATALOG = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def entries() -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for every entry but the header, multi-line strings joined."""
    po = (CATALOG / "django.po").read_text(encoding="utf-8")
    found = []
    for block in po.split("\n\n")[1:]:
        fields, key = {}, None
        for line in block.splitlines():
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[0\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                fields[key] = match.group(2)
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        if fields.get("msgid"):
            msgstr = fields.get("msgstr", fields.get("msgstr[0]", ""))
            found.append((fields["msgid"], msgstr, "#, fuzzy" in block))
    return found


def test_every_string_in_the_chinese_catalogue_is_translated():
    assert [msgid for msgid, msgstr, fuzzy in entries() if not msgstr or fuzzy] == []


def test_the_compiled_catalogue_matches_the_source():
    with (CATALOG / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    singular = [(msgid, msgstr) for msgid, msgstr, _fuzzy in entries() if "%(n)s" not in msgid]
    stale = [msgid for msgid, msgstr in singular
             if compiled.gettext(msgid.replace('\\"', '"')) != msgstr.replace('\\"', '"')]
    assert stale == [], "run `make messages` to recompile"
