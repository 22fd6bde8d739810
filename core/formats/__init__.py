"""The portal's date formats, read by Django before its own locale formats (FORMAT_MODULE_PATH).

A form widget writes its value with the first of the language's input formats. HTML date, time and
datetime-local inputs only accept ISO values (2027-01-02, 08:00, 2027-01-02T08:00) and show them in the
browser's own format, so the first input format is ISO in every language; Django's Chinese locale starts
with 2027/01/02, which the browser rejects, leaving the input empty. Display formats follow the reader.
"""

# Shared by every language: the wire formats of <input type="date|time|datetime-local">.
ISO_DATE = ["%Y-%m-%d"]
ISO_TIME = ["%H:%M", "%H:%M:%S"]
ISO_DATETIME = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def iso_first(iso: list[str], local: list[str]) -> list[str]:
    return [*iso, *(f for f in local if f not in iso)]
