"""An evidence pack: files, a PDF summary and a manifest of SHA-256 hashes, in one ZIP.

Used wherever the bank hands a record to someone outside it (a regulator, a court, a lawyer): the pack
holds the documents themselves, a summary set from sections of rows, and `manifest.txt`, one line per file
in `sha256sum` format, so the receiver can check that nothing was changed (`sha256sum -c manifest.txt`).
Files sit in a fixed order (summary, documents by name, manifest) with the pack's time as their date.
"""

import datetime as dt
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from core.pdf import document_pdf

SUMMARY_NAME = "summary.pdf"
MANIFEST_NAME = "manifest.txt"


@dataclass(frozen=True)
class Section:
    """A heading and its rows; each row is (label, value) pairs, set one pair a line."""

    title: str
    rows: list[list[tuple[str, str]]]
    empty: str = ""


@dataclass
class EvidencePack:
    title: str
    language: str
    author: str
    created_at: dt.datetime
    # Lines under the title: who the pack is about, when and by whom it was built.
    preamble: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)

    def file_add(self, name: str, data: bytes) -> str:
        """Add a document under `name` (a relative path, made unique). Returns the name it was stored as."""
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or str(path) in (SUMMARY_NAME, MANIFEST_NAME):
            raise ValueError(f"Not a file name for an evidence pack: {name!r}")
        stored, counter = str(path), 1
        while stored in self.files:
            counter += 1
            stored = str(path.with_stem(f"{path.stem}-{counter}"))
        self.files[stored] = data
        return stored

    def section_add(self, title: str, rows: list[list[tuple[str, str]]], *, empty: str = "") -> None:
        self.sections.append(Section(title=title, rows=rows, empty=empty))

    def summary_pdf(self) -> bytes:
        """The sections as an A4 PDF in the pack's language. Values are quoted lines: whatever a cardholder
        or a member of staff wrote is shown as written, never read as markup."""
        lines = [f"# {self.title}", *(f"> {line}" for line in self.preamble)]
        for section in self.sections:
            lines += ["", f"## {section.title}"]
            if not section.rows and section.empty:
                lines.append(f"> {section.empty}")
            for row in section.rows:
                for label, value in row:
                    text_lines = str(value).splitlines() or [""]
                    lines.append(f"> {label}: {text_lines[0]}")
                    lines += [f">     {line}" for line in text_lines[1:] if line.strip()]
                lines.append("")
        return document_pdf(text="\n".join(lines), language=self.language, author=self.author, title=self.title)

    def build(self) -> "BuiltPack":
        """The ZIP: the summary, the documents in name order, and the manifest of them all."""
        contents = {SUMMARY_NAME: self.summary_pdf(), **dict(sorted(self.files.items()))}
        manifest = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in contents.items())
        contents[MANIFEST_NAME] = manifest.encode()
        stamp = self.created_at.astimezone(dt.UTC).timetuple()[:6]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in contents.items():
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
        return BuiltPack(zip_bytes=buffer.getvalue(), manifest=manifest,
                         manifest_sha256=hashlib.sha256(manifest.encode()).hexdigest(),
                         names=list(contents))


@dataclass(frozen=True)
class BuiltPack:
    zip_bytes: bytes
    manifest: str
    manifest_sha256: str
    names: list[str]


# --- for the apps that write sections (contacts, repayment_plans, complaints …) ------------------------------

def when_text(value: dt.datetime | None, zone: ZoneInfo) -> str:
    """A moment as a pack shows it: in one named time zone, to the minute; a dash when there is none."""
    return f"{value.astimezone(zone):%Y-%m-%d %H:%M} {zone.key}" if value else "—"


def path_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def stored_bytes(field_file) -> bytes | None:
    """An uploaded file's content, or None when there is none or storage has lost it."""
    if not field_file:
        return None
    try:
        with field_file.open("rb") as handle:
            return handle.read()
    except OSError:
        return None
