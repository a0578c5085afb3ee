"""Running tests on SQLite and on a real PostgreSQL server.

Fixtures:

* ``pg_url`` (session): the admin URL of a PostgreSQL server — ``HAZARD_TEST_PG`` if set, else a
  throwaway cluster started on 127.0.0.1 (see :mod:`devtools.postgres`). Without PostgreSQL
  the test is skipped with the reason; under ``CI`` it fails instead.
* ``engine_name``: ``"sqlite"`` or ``"postgresql"``.
* ``engine_url``: a fresh, empty database for one test (a SQLite file in ``tmp_path``, or a new
  PostgreSQL database dropped afterwards).
* ``store_url``: the same, but with the schema already at the newest revision (copied from a template
  made once per session, which is much faster than migrating for every test); ``store`` uses it.

Which engines a test runs on:

* a test that names ``engine_url`` (or ``engine_name``) among its own arguments, or that carries the
  ``engines`` mark (``pytestmark = pytest.mark.engines`` for a whole module), runs once per engine in
  ``HAZARD_TEST_ENGINES`` (default ``sqlite,postgresql``), with ids ``[sqlite]`` and ``[postgresql]``;
* any other test that reaches ``engine_url`` through a fixture (e.g. ``store``) runs on
  ``HAZARD_TEST_ENGINE`` (default ``sqlite``); ``HAZARD_TEST_ENGINE=postgresql`` runs them all on PostgreSQL.
"""

from __future__ import annotations

import inspect
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.postgres import NoPostgres, create_database, drop_database, shared_server
from hazardlib.store import open_store

ENGINES = ("sqlite", "postgresql")


def selected_engines() -> list[str]:
    """The engines that two-engine tests run on (``HAZARD_TEST_ENGINES``)."""
    raw = os.environ.get("HAZARD_TEST_ENGINES", ",".join(ENGINES))
    chosen = [e.strip() for e in raw.split(",") if e.strip()]
    unknown = set(chosen) - set(ENGINES)
    if unknown or not chosen:
        raise pytest.UsageError(f"HAZARD_TEST_ENGINES 只能取 {', '.join(ENGINES)}，而不是 {raw!r}")
    return chosen


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "engines: run the test on SQLite and on PostgreSQL")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine_name" not in metafunc.fixturenames:
        return
    own = set(inspect.signature(metafunc.function).parameters)
    if own & {"engine_url", "engine_name", "store_url"} or metafunc.definition.get_closest_marker("engines"):
        engines = selected_engines()
        metafunc.parametrize("engine_name", engines, indirect=True, ids=engines)


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The admin URL of the test PostgreSQL server (skips without one, fails under CI)."""
    try:
        return shared_server()
    except NoPostgres as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI 必须在 PostgreSQL 上运行这些测试，但无法启动 PostgreSQL：{exc}")
        pytest.skip(f"PostgreSQL 不可用（设 HAZARD_TEST_PG 或安装 Debian 软件包 postgresql）：{exc}")


@pytest.fixture
def engine_name(request: pytest.FixtureRequest) -> str:
    name = getattr(request, "param", None) or os.environ.get("HAZARD_TEST_ENGINE", "sqlite")
    if name not in ENGINES:
        raise pytest.UsageError(f"HAZARD_TEST_ENGINE 只能取 {', '.join(ENGINES)}，而不是 {name!r}")
    return str(name)


@pytest.fixture
def engine_url(engine_name: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on the engine of this run of the test."""
    if engine_name == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    admin = request.getfixturevalue("pg_url")
    name = f"t_{uuid.uuid4().hex[:20]}"
    url = create_database(admin, name)
    try:
        yield url
    finally:
        drop_database(admin, name)


class _Templates:
    """Stores migrated to the newest revision once per session, to copy for each test."""

    def __init__(self, base: Path):
        self.base = base
        self.made: dict[str, str] = {}
        self.admin = ""

    def sqlite(self) -> Path:
        path = self.base / "template.db"
        if "sqlite" not in self.made:
            open_store(f"sqlite:///{path}", user="测试员").dispose()
            self.made["sqlite"] = str(path)
        return path

    def postgresql(self, admin: str) -> str:
        if "postgresql" not in self.made:
            name = f"tpl_{uuid.uuid4().hex[:20]}"
            open_store(create_database(admin, name), user="测试员").dispose()
            self.made["postgresql"], self.admin = name, admin
        return self.made["postgresql"]


@pytest.fixture(scope="session")
def _store_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Templates]:
    templates = _Templates(tmp_path_factory.mktemp("templates"))
    yield templates
    if "postgresql" in templates.made:
        drop_database(templates.admin, templates.made["postgresql"])


@pytest.fixture
def store_url(
    engine_name: str, request: pytest.FixtureRequest, tmp_path: Path, _store_templates: _Templates
) -> Iterator[str]:
    """A fresh database for one test, its schema at the newest revision and no records in it."""
    if engine_name == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(_store_templates.sqlite(), path)
        yield f"sqlite:///{path}"
        return
    admin = request.getfixturevalue("pg_url")
    name = f"t_{uuid.uuid4().hex[:20]}"
    url = create_database(admin, name, template=_store_templates.postgresql(admin))
    try:
        yield url
    finally:
        drop_database(admin, name)
