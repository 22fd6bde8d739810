import datetime as dt
import hashlib
import io
import zipfile

import pytest
from pypdf import PdfReader

from core.evidence import EvidencePack

AT = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


def pack(language="en"):
    evidence = EvidencePack(title="Cardholder's file", language=language, author="Bank", created_at=AT,
                            preamble=["Cardholder: 王小明"])
    evidence.section_add("Contacts", [[("Direction", "Outbound"), ("Text", "# not a title\nsecond line")]])
    evidence.section_add("Complaints", [], empty="None")
    evidence.file_add("letters/letter.pdf", b"%PDF-letter")
    evidence.file_add("letters/letter.pdf", b"%PDF-another")
    return evidence


def test_the_manifest_holds_the_hash_of_every_file_in_the_zip():
    built = pack().build()
    archive = zipfile.ZipFile(io.BytesIO(built.zip_bytes))
    assert archive.namelist() == ["summary.pdf", "letters/letter-2.pdf", "letters/letter.pdf", "manifest.txt"]
    manifest = archive.read("manifest.txt").decode()
    hashes = dict(reversed(line.split("  ", 1)) for line in manifest.splitlines())
    assert set(hashes) == {"summary.pdf", "letters/letter.pdf", "letters/letter-2.pdf"}
    for name, digest in hashes.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    assert built.manifest_sha256 == hashlib.sha256(manifest.encode()).hexdigest()


def test_the_summary_shows_sections_and_quotes_values_as_written():
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pack().summary_pdf())).pages)
    assert "王小明" in text and "Contacts" in text and "# not a title" in text and "None" in text


def test_the_files_carry_the_time_the_pack_was_made():
    archive = zipfile.ZipFile(io.BytesIO(pack().build().zip_bytes))
    assert {info.date_time for info in archive.infolist()} == {(2026, 12, 1, 9, 30, 0)}


@pytest.mark.parametrize("name", ["../escape.pdf", "/etc/passwd", "manifest.txt"])
def test_a_file_cannot_leave_the_pack_or_replace_its_own_files(name):
    with pytest.raises(ValueError):
        pack().file_add(name, b"x")
