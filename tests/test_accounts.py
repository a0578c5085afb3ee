"""Login accounts: only an argon2 hash is stored and the audit log never holds it; a login succeeds only with
the right password of an active account, and every other case looks the same; account changes are the
prefecture's, audited like every write; schema.py and the migrations describe the same tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hazardlib import accounts, schema
from hazardlib.accounts import (
    AccountExists,
    AccountNotFound,
    BadAccountName,
    PrefectureOnly,
    WeakPassword,
    add_user,
    disable_user,
    enable_user,
    list_users,
    set_password,
    verify_password,
)
from hazardlib.errors import OutOfScope, UnknownCounty
from hazardlib.store import Store, open_store

PASSWORD = "都匀-secret-2024"
NEW_PASSWORD = "another-secret-9"


def raw_accounts(store: Store) -> list[dict]:
    with store.read() as conn:
        return [dict(r) for r in conn.execute(sa.select(schema.accounts)).mappings()]


def audit_entries(store: Store) -> list[dict]:
    with store.read() as conn:
        a = schema.audit_log
        return [dict(r) for r in conn.execute(sa.select(a).order_by(a.c.id)).mappings()]


@pytest.mark.engines
def test_only_an_argon2_hash_is_stored_and_the_audit_log_says_what_happened_without_it(store):
    admin = Store(store.url, user="州局管理员")
    add_user(admin, "张三", "522701", PASSWORD)
    set_password(admin, "张三", NEW_PASSWORD)
    (row,) = raw_accounts(store)
    assert row["password_hash"].startswith("$argon2id$")
    assert (row["name"], row["county_code"], row["active"], row["version"]) == ("张三", "522701", True, 2)
    assert PASSWORD not in json.dumps(row, default=str, ensure_ascii=False)

    created, changed = audit_entries(store)
    assert (created["actor"], created["action"], created["table_name"]) == (
        "州局管理员",
        "insert",
        "accounts",
    )
    assert created["after"]["name"] == "张三" and created["after"]["county_code"] == "522701"
    assert changed["action"] == "update" and changed["after"]["password_hash"] == "密码已更改"
    logged = json.dumps([created, changed], default=str, ensure_ascii=False)
    for secret in (PASSWORD, NEW_PASSWORD, "$argon2", row["password_hash"].rsplit("$", 1)[-1]):
        assert secret not in logged


def test_the_password_is_nowhere_in_the_database_files(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'w.db'}", user="州局管理员")
    add_user(store, "张三", "522701", PASSWORD)
    set_password(store, "张三", NEW_PASSWORD)
    store.dispose()
    files = [p for p in tmp_path.iterdir() if p.name.startswith("w.db")]
    data = b"".join(Path(p).read_bytes() for p in files)
    assert data and b"accounts" in data
    for secret in (PASSWORD, NEW_PASSWORD):
        assert secret.encode() not in data


def test_a_login_succeeds_only_with_the_right_password_of_an_active_account(store):
    add_user(store, "张三", "522701", PASSWORD)
    add_user(store, "州局李四", None, PASSWORD)
    good = verify_password(store, "张三", PASSWORD)
    assert good is not None and (good.name, good.county, good.scope_name) == ("张三", "522701", "都匀市")
    prefecture = verify_password(store, " 州局李四 ", PASSWORD)
    assert prefecture is not None and prefecture.county is None and prefecture.scope_code == "522700"
    assert verify_password(store, "张三", PASSWORD + "x") is None
    assert verify_password(store, "张三", "") is None
    assert verify_password(store, "无此人", PASSWORD) is None
    assert verify_password(store, "", "") is None

    disable_user(store, "张三")
    assert verify_password(store, "张三", PASSWORD) is None
    enable_user(store, "张三")
    assert verify_password(store, "张三", PASSWORD) is not None

    set_password(store, "张三", NEW_PASSWORD)
    changed = verify_password(store, "张三", NEW_PASSWORD)
    assert verify_password(store, "张三", PASSWORD) is None
    assert changed is not None and changed.stamp != good.stamp  # logins made before the change end


def test_an_unknown_name_a_wrong_password_and_a_disabled_account_cost_the_same_one_verification(
    store, monkeypatch
):
    add_user(store, "张三", "522701", PASSWORD)
    add_user(store, "王五", "522702", PASSWORD)
    disable_user(store, "王五")
    real = accounts.password_hasher()
    calls: list[str] = []

    class Counting:
        def verify(self, stored: str, password: str) -> bool:
            calls.append(stored)
            return real.verify(stored, password)

    monkeypatch.setattr(accounts, "password_hasher", lambda: Counting())
    for name, password in (("无此人", PASSWORD), ("张三", "wrong-password"), ("王五", PASSWORD)):
        calls.clear()
        assert verify_password(store, name, password) is None
        assert len(calls) == 1 and calls[0].startswith("$argon2id$"), name
    assert accounts.decoy_hash().startswith("$argon2id$")


def test_bad_names_counties_passwords_and_duplicates_are_refused_in_chinese_and_nothing_is_written(store):
    add_user(store, "张三", "522701", PASSWORD)
    before = (raw_accounts(store), audit_entries(store))
    refusals = [
        (lambda: add_user(store, "张三", "522702", PASSWORD), AccountExists, "已存在"),
        (lambda: add_user(store, "", "522701", PASSWORD), BadAccountName, "不可用"),
        (lambda: add_user(store, "张 三", "522701", PASSWORD), BadAccountName, "不含空格"),
        (lambda: add_user(store, "-rm", "522701", PASSWORD), BadAccountName, "开头"),
        (lambda: add_user(store, "x" * 33, "522701", PASSWORD), BadAccountName, "32"),
        (lambda: add_user(store, "王五", "999999", PASSWORD), UnknownCounty, "不是黔南州所辖"),
        (lambda: add_user(store, "王五", "522701", "short"), WeakPassword, "至少 8 个字符"),
        (lambda: add_user(store, "王五", "522701", "        "), WeakPassword, "不能为空"),
        (lambda: add_user(store, "王五", "522701", ""), WeakPassword, "不能为空"),
        (lambda: set_password(store, "无此人", PASSWORD), AccountNotFound, "没有名为"),
        (lambda: set_password(store, "张三", "1234567"), WeakPassword, "至少"),
        (lambda: disable_user(store, "无此人"), AccountNotFound, "hazard users list"),
    ]
    for attempt, error, text in refusals:
        with pytest.raises(error, match=text):
            attempt()
    assert (raw_accounts(store), audit_entries(store)) == before


def test_the_prefecture_code_makes_a_prefecture_account_and_accounts_list_prefecture_first(store):
    add_user(store, "都匀张三", "522701", PASSWORD)
    add_user(store, "州局甲", "522700", PASSWORD)
    add_user(store, "荔波乙", "522722", PASSWORD)
    listed = [(a.name, a.county, a.active) for a in list_users(store)]
    assert listed == [("州局甲", None, True), ("都匀张三", "522701", True), ("荔波乙", "522722", True)]
    assert accounts.count_active(store) == 3
    disable_user(store, "荔波乙")
    assert accounts.count_active(store) == 2


def test_a_county_session_cannot_create_or_change_accounts(store):
    add_user(store, "张三", "522701", PASSWORD)
    county = Store(store.url, user="县局某人", county="522701")
    with pytest.raises(PrefectureOnly, match="只有州局"):
        add_user(county, "李四", "522701", PASSWORD)
    with pytest.raises(PrefectureOnly):
        set_password(county, "张三", NEW_PASSWORD)
    # and the store itself refuses, whatever code tries
    with pytest.raises(OutOfScope), county.transaction() as tx:
        tx.update(schema.accounts, raw_accounts(store)[0]["id"], {"active": False})
    assert verify_password(store, "张三", PASSWORD) is not None


def test_schema_py_and_the_migrations_describe_the_same_tables(engine_url):
    store = open_store(engine_url, user="测试员")
    with store.engine.connect() as conn:
        differences = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), schema.metadata
        )
    assert differences == []
    assert store.revision() == store.head()
