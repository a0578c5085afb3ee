"""The lock files agree with pyproject.toml: every dependency it names (base and dev) is pinned, at a version its
range allows, in the lock that `./workbook run` (base.lock) or `./workbook test` (dev.lock) installs; every pin
carries hashes, since the script installs with --require-hashes; and the base lock is the dev lock's subset with
equal versions, so the dashboards run with the same versions the tests passed with. A dependency added to
pyproject.toml without `./workbook lock` fails here, before a fresh machine installs without it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ROOT / "requirements"


@dataclass(frozen=True)
class Pin:
    version: Version
    hashes: tuple[str, ...]


def read_lock(path: Path) -> dict[str, Pin]:
    """The pins of a requirements file written by `uv pip compile --generate-hashes`, by canonical name."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    pins: dict[str, Pin] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        spec, *options = line.split(" --")
        req = Requirement(spec)
        (pinned,) = req.specifier  # a lock pins exactly one version: name==X
        assert pinned.operator == "==", f"{path.name}: {line} is not pinned with =="
        name = canonicalize_name(req.name)
        assert name not in pins, f"{path.name}: {name} is pinned twice"
        hashes = tuple(o.removeprefix("hash=") for o in options if o.startswith("hash="))
        pins[name] = Pin(Version(pinned.version), hashes)
    return pins


def project() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]


def declared(kind: str) -> list[Requirement]:
    """The requirements pyproject.toml names: the package's own (base) or its dev extra."""
    meta = project()
    raw = meta["dependencies"] if kind == "base" else meta["optional-dependencies"]["dev"]
    return [Requirement(r) for r in raw]


def missing_or_outside(requirements: list[Requirement], pins: dict[str, Pin]) -> list[str]:
    """Each requirement the pins leave unmet: not pinned, or pinned at a version outside its range."""
    problems = []
    for req in requirements:
        pin = pins.get(canonicalize_name(req.name))
        if pin is None:
            problems.append(f"{req.name} is not pinned")
        elif not req.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{req.name}=={pin.version} is outside {req.specifier}")
    return problems


@pytest.mark.parametrize(
    ("lock", "kinds"), [("base.lock", ("base",)), ("dev.lock", ("base", "dev"))], ids=["base", "dev"]
)
def test_every_declared_dependency_is_pinned_within_its_range(lock: str, kinds: tuple[str, ...]) -> None:
    pins = read_lock(LOCKS / lock)
    requirements = [req for kind in kinds for req in declared(kind)]
    assert missing_or_outside(requirements, pins) == [], "run ./workbook lock after changing pyproject.toml"


@pytest.mark.parametrize("lock", ["base.lock", "dev.lock"])
def test_every_pin_carries_hashes(lock: str) -> None:
    pins = read_lock(LOCKS / lock)
    assert pins, f"{lock} pins nothing"
    assert [name for name, pin in pins.items() if not pin.hashes] == []


def test_base_lock_is_the_dev_lock_subset_with_equal_versions() -> None:
    base, dev = read_lock(LOCKS / "base.lock"), read_lock(LOCKS / "dev.lock")
    differing = {
        name: (pin.version, dev[name].version if name in dev else None)
        for name, pin in base.items()
        if name not in dev or dev[name].version != pin.version
    }
    assert differing == {}


def test_a_stale_lock_is_reported() -> None:
    """The check itself finds a dependency the lock lacks and one whose range moved past the pin."""
    pins = {"pandas": Pin(Version("2.2.0"), ("sha256:0",))}
    found = missing_or_outside([Requirement("pandas>=2.3"), Requirement("duckdb>=1.0")], pins)
    assert found == ["pandas==2.2.0 is outside >=2.3", "duckdb is not pinned"]
