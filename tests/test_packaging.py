"""The distribution an operator installs: what the wheel and sdist hold, and a zipped install."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The files people edit at the top of the checkout, as the package carries them.
SHIPPED = ("config", "prompts", "vendor")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An sdist and the wheel built from it, as `python -m build` makes them for a release."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


def only(dist: Path, pattern: str) -> Path:
    (found,) = dist.glob(pattern)
    return found


def tracked(directory: str) -> list[str]:
    """The checkout's files under `directory`, as git knows them."""
    listed = subprocess.run(
        ["git", "ls-files", directory], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return listed.stdout.split()


def test_the_distribution_is_not_the_ivr_already_on_the_package_index(dist: Path) -> None:
    wheel = only(dist, "*.whl")
    assert wheel.name.startswith("ivr_information_sharing_line-")
    with zipfile.ZipFile(wheel) as archive:
        info = next(name for name in archive.namelist() if name.endswith("entry_points.txt"))
        assert "ivr = ivr.cli:main" in archive.read(info).decode()


def test_the_wheel_holds_every_file_the_line_reads(dist: Path) -> None:
    with zipfile.ZipFile(only(dist, "*.whl")) as archive:
        names = set(archive.namelist())
        for directory in SHIPPED:
            for path in tracked(directory):
                packaged = f"ivr/shipped/{path}"
                assert packaged in names, f"{packaged} is not in the wheel"
                assert archive.read(packaged) == (ROOT / path).read_bytes()
        for directory in ("ivr/migrations", "ivr/templates", "ivr/static"):
            for path in tracked(directory):
                assert path in names, f"{path} is not in the wheel"
    assert not any(name.startswith(("config/", "prompts/", "vendor/")) for name in names)


def test_the_sdist_holds_what_the_wheel_is_built_from(dist: Path) -> None:
    sdist = only(dist, "*.tar.gz")
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        names = {name.removeprefix(f"{top}/") for name in archive.getnames()}
    for path in ("setup.py", "pyproject.toml", *(p for d in SHIPPED for p in tracked(d))):
        assert path in names, f"{path} is not in the sdist"


def test_the_wheel_works_from_a_zip(dist: Path, tmp_path: Path) -> None:
    """Imported straight from the wheel (a zip): defaults, prompts and GOV.UK Frontend all read."""
    script = (
        "import ivr.config as c, ivr.check as k;"
        "assert 'zip' in type(c.DEFAULT_CONFIG).__module__, type(c.DEFAULT_CONFIG);"
        "assert c.load_config()['duty']['in_hours'];"
        "assert c.load_prompts()['sentences']['safe_guidance'];"
        "import sys, pathlib;"
        "css = (c.shipped('vendor') / 'govuk-frontend' / 'govuk-frontend.min.css').read_bytes();"
        "assert css == pathlib.Path(sys.argv[1]).read_bytes();"
        "problems = k.check(); assert problems == [], problems;"
        "print('ok')"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(only(dist, "*.whl")),
        "IVR_INSTANCE_PATH": str(tmp_path),
    }
    env.pop("IVR_CONFIG", None)
    env.pop("IVR_PROMPTS", None)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            str(ROOT / "vendor" / "govuk-frontend" / "govuk-frontend.min.css"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.stdout.strip() == "ok", done.stderr


def test_a_checkout_reads_the_files_people_edit() -> None:
    """From the checkout (and so from an editable install), edits to config/ take effect."""
    from ivr.config import DEFAULT_CONFIG, DEFAULT_PROMPTS, shipped

    assert DEFAULT_CONFIG == ROOT / "config" / "default.yaml"
    assert DEFAULT_PROMPTS == ROOT / "prompts" / "en-GB.yaml"
    assert shipped("vendor") == ROOT / "vendor"
