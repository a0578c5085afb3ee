"""The same store on SQLite and on PostgreSQL: migrations both ways, writers taking turns, reads that see
one moment, and the throwaway test server kept on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner

from devtools import workload
from devtools.postgres import PG_ENV, reap_orphans
from hazardlib import schema
from hazardlib.cli import main
from hazardlib.store import Store, open_store

pytestmark = pytest.mark.engines


def test_each_test_gets_a_fresh_empty_database(engine_url):
    store = Store(engine_url)
    assert sa.inspect(store.engine).get_table_names() == [] and store.revision() is None


def test_migrations_go_down_to_nothing_and_up_again(engine_url):
    store = open_store(engine_url, user="测试员")
    workload.add_enterprises(store, "522701", [1])
    cfg = store.alembic_config()
    command.downgrade(cfg, "base")
    assert set(sa.inspect(store.engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(cfg, "head")
    assert store.revision() == store.head()
    assert set(schema.metadata.tables) <= set(sa.inspect(store.engine).get_table_names())


def test_the_commands_work_on_either_engine(engine_url):
    runner = CliRunner()
    created = runner.invoke(main, ["init", "--db", engine_url])
    assert created.exit_code == 0 and "已创建数据库" in created.output
    verified = runner.invoke(main, ["verify", "--db", engine_url])
    assert verified.exit_code == 0 and "完整性检查通过" in verified.output


def test_writers_take_turns(engine_url):
    store = open_store(engine_url, user="甲")
    other = Store(engine_url, user="乙")
    times: dict[str, float] = {}
    inside = threading.Event()

    def second_writer() -> None:
        inside.wait(10)
        with other.transaction() as tx:
            times["second_in"] = time.perf_counter()
            tx.set_meta("乙", "1")

    thread = threading.Thread(target=second_writer)
    thread.start()
    with store.transaction() as tx:
        tx.set_meta("甲", "1")
        inside.set()
        time.sleep(0.5)
        times["first_out"] = time.perf_counter()
    thread.join(30)
    assert (
        times["second_in"] >= times["first_out"]
    )  # the second writer started only after the first committed
    assert store.meta("甲") == store.meta("乙") == "1"


def test_a_read_sees_one_moment_while_others_write(engine_url):
    store = open_store(engine_url, user="甲")
    workload.add_enterprises(store, "522701", [1])
    e = schema.enterprises
    with store.read() as conn:
        first = conn.execute(sa.select(sa.func.count()).select_from(e)).scalar_one()
        workload.add_enterprises(Store(engine_url, user="乙"), "522701", [2])
        again = conn.execute(sa.select(sa.func.count()).select_from(e)).scalar_one()
    assert first == again == 1
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(e)).scalar_one() == 2


def test_the_throwaway_server_listens_on_loopback_only(pg_url):
    if os.environ.get(PG_ENV):
        pytest.skip(f"服务器由 {PG_ENV} 指定，不是测试自己启动的")
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        listen = conn.exec_driver_sql("SHOW listen_addresses").scalar()
        sockets = conn.exec_driver_sql("SHOW unix_socket_directories").scalar()
    engine.dispose()
    assert listen == "127.0.0.1" and sa.engine.make_url(pg_url).host == "127.0.0.1"
    assert sockets is not None and "hazard-pg-" in sockets  # its socket lives in its own temporary directory


def test_a_server_left_behind_by_a_killed_run_is_cleaned_up_by_the_next(pg_url):
    if os.environ.get(PG_ENV):
        pytest.skip(f"服务器由 {PG_ENV} 指定，不是测试自己启动的")
    starter = subprocess.run(
        [
            sys.executable,
            "-c",
            "from devtools.postgres import start_server; print(start_server().base)",
        ],
        cwd=Path(__file__).resolve().parents[1],  # devtools/ sits at the repository's root, not installed
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )  # the process ends without stopping its server, as a killed test run would
    base = Path(starter.stdout.strip())
    assert (base / "data" / "postmaster.pid").exists()
    assert base in reap_orphans()
    assert not base.exists()
