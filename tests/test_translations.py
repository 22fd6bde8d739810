import gettext
import os
import re
import subprocess
from pathlib import Path

from django.utils import translation

from cases.lifecycle import Stage

CATALOG = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def entries(*, with_context: bool = False) -> list[tuple]:
    """(msgid, msgstr, fuzzy) for every entry but the header, multi-line strings joined; with_context
    adds the msgctxt (or None) in front."""
    po = (CATALOG / "django.po").read_text(encoding="utf-8")
    found = []
    for block in po.split("\n\n")[1:]:
        fields, key = {}, None
        for line in block.splitlines():
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[0\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                fields[key] = match.group(2)
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        if fields.get("msgid"):
            msgstr = fields.get("msgstr", fields.get("msgstr[0]", ""))
            entry = (fields["msgid"], msgstr, "#, fuzzy" in block)
            found.append((fields.get("msgctxt"), *entry) if with_context else entry)
    return found


def test_every_string_in_the_chinese_catalogue_is_translated():
    assert [msgid for msgid, msgstr, fuzzy in entries() if not msgstr or fuzzy] == []


def test_the_compiled_catalogue_matches_the_source():
    with (CATALOG / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    singular = [(context, msgid, msgstr) for context, msgid, msgstr, _fuzzy in entries(with_context=True)
                if "%(n)s" not in msgid]

    def compiled_text(context, msgid):
        msgid = msgid.replace('\\"', '"')
        return compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)

    stale = [msgid for context, msgid, msgstr in singular
             if compiled_text(context, msgid) != msgstr.replace('\\"', '"')]
    assert stale == [], "run `make messages` to recompile"


def test_msgfmt_finds_no_untranslated_or_fuzzy_entry():
    result = subprocess.run(["msgfmt", "--statistics", "--check-format", "-o", os.devnull, str(CATALOG / "django.po")],
                            capture_output=True, text=True, check=True, env={**os.environ, "LC_ALL": "C"})
    statistics = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages\.", statistics), statistics


def test_chinese_stage_names_never_read_like_a_field_visit():
    with translation.override("zh-hans"):
        names = [str(label) for label in Stage.labels]
    assert len(set(names)) == len(names) and all("\u4e00" <= name[0] <= "\u9fff" for name in names)
    assert [name for name in names if "回访" in name or "上门" in name] == []


def test_only_visits_are_called_shang_men():
    visit_words = ("visit", "field")
    on_the_visits_board = {"Outcomes by region", "Nothing to assign."}
    assert [msgid for msgid, msgstr, _fuzzy in entries() if "上门" in msgstr and msgid not in on_the_visits_board
            and not any(word in msgid.lower() for word in visit_words)] == []
