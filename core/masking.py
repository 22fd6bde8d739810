"""Masking of personal data for display, exports and audit records."""


def mask(value, visible: int = 4) -> str:
    """Keep the last `visible` characters and hide the rest: "110105199003071234" → "••••••••••••••1234"."""
    text = str(value or "")
    if len(text) <= visible:
        return "•" * len(text)
    return "•" * (len(text) - visible) + text[-visible:]
