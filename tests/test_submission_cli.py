"""``hazard submission``: list one object per county in JSON, submit, return with comments, resubmit, approve
with the zip and roll-up written; a county account cannot approve, nor submit for another county."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from hazardlib import schema
from hazardlib.accounts import add_user
from hazardlib.cli import main
from hazardlib.store import Store, count

PDF = b"%PDF-1.4\n% stamped cover page\n%%EOF\n"
LIST_KEYS = {"county_code", "state", "version", "submitted_at", "late_working_days"}


def run(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["submission", *args, "--db", url])
    return result.exit_code, result.stdout, result.stderr


def rows_written(store: Store) -> tuple[int, int]:
    with store.read() as conn:
        return count(conn, schema.submissions), count(conn, schema.audit_log)


def test_the_cycle_from_the_command_line(store: Store, tmp_path: Path):
    url = store.url
    add_user(store, "张三", "522701", "都匀-password-1")
    add_user(store, "州局李四", None, "州局-password-1")
    scan = tmp_path / "封面.pdf"
    scan.write_bytes(PDF)

    code, out, err = run(url, "list", "--deadline", "2024-08-20", "--as-of", "2024-08-26", "--format", "json")
    assert code == 0, err
    listed = json.loads(out)
    assert len(listed) == 12 and all(set(r) >= LIST_KEYS for r in listed)
    assert {r["state"] for r in listed} == {"none"} and listed[0]["late_working_days"] == 4

    common = ["--county", "522701", "--deadline", "2024-08-20"]
    code, out, err = run(url, "submit", *common, "--user", "张三", "--as-of", "2024-08-19", "--scan", str(scan),
                         "--format", "json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["version"] == 1 and json.loads(out)["state"] == "submitted"

    before = rows_written(store)
    code, _, err = run(url, "approve", *common, "--user", "张三")
    assert code == 1 and "只有州局账号可以审核" in err
    code, _, err = run(url, "submit", "--county", "522702", "--deadline", "2024-08-20", "--user", "张三",
                       "--scan", str(scan))  # fmt: skip
    assert code == 1 and "本账号属于都匀市，不能为福泉市报送" in err
    code, _, err = run(
        url, "submit", *common[:2], "--deadline", "2024-08-21", "--user", "张三", "--scan", str(scan)
    )
    assert code == 1 and "不是2024年行动日历中的报送期限" in err
    assert rows_written(store) == before

    code, _, err = run(url, "return", *common, "--user", "州局李四", "--comment", "scan=公章不清晰")
    assert code == 0, err
    code, _, err = run(url, "submit", *common, "--user", "张三", "--as-of", "2024-08-22", "--scan", str(scan))
    assert code == 0, err
    code, out, err = run(
        url, "approve", *common, "--user", "州局李四", "-o", str(tmp_path / "out"), "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out)["version"] == 2

    code, out, err = run(url, "list", "--deadline", "2024-08-20", "--format", "json")
    duyun = next(r for r in json.loads(out) if r["county_code"] == "522701")
    assert (duyun["state"], duyun["version"], duyun["late_working_days"]) == ("approved", 2, 0)
    assert duyun["submitted_at"].startswith("2024-08-22")

    code, out, err = run(url, "show", *common, "--format", "json")
    shown = json.loads(out)
    assert [v["state"] for v in shown["versions"]] == ["returned", "approved"]
    assert shown["versions"][0]["review_comments"] == {"scan": "公章不清晰"}

    with zipfile.ZipFile(tmp_path / "out" / "都匀市_2024-08-20_报送材料.zip") as z:
        assert z.read("盖章扫描件.pdf") == PDF
    assert (tmp_path / "out" / "全州汇总_2024-08-20_审核通过材料.xlsx").is_file()
