"""``hazard submission``: the reporting cycle from the command line (list, show, submit, withdraw, return,
approve), with JSON output for scripts.

Who acts: when ``--user`` names a login account of the store, that account's county (or the prefecture)
is the session, whatever ``--county`` says (``--county`` names the package); otherwise ``submit`` and
``withdraw`` act as the county of ``--county`` and ``return`` and ``approve`` as the prefecture. The
domain layer (:mod:`hazardlib.submissions`) checks every move against that session.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .. import submissions
from ..accounts import get_account
from ..errors import HazardError
from ..exports.package import package_zip, rollup_xlsx, submit_package
from ..exports.tabular import json_value
from ..reports.submission_view import deadline_view, package_diff
from ..store import Store, default_user
from ..submissions import ITEMS, STATES, Upload
from .root import db_option, friendly_errors, main, parse_date, stacked, store_for, user_option

LIST_KEYS = ("county_code", "county_name", "state", "state_label", "version", "submitted_at", "submitted_by",
             "late_working_days", "reviewed_at", "reviewed_by", "figures_as_of", "changed_figures")  # fmt: skip


class CountyNotGiven(HazardError):
    def __init__(self) -> None:
        super().__init__("请用 --county 指定县（市）代码（如 522701）")


def _deadline_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--deadline",
        "deadline",
        default=None,
        metavar="DATE",
        callback=parse_date,
        help="报送期限 YYYY-MM-DD（行动日历中的日期，如 2024-08-20）；不填为 --as-of 之后的下一个期限。"
        " A deadline of the campaign calendar (default: the next one).",
    )(f)


def _county_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--county", "county", default=None, metavar="CODE",
                        help="县（市）行政区划代码，如 522701。 County code.")(f)  # fmt: skip


def _as_of_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--as-of",
        "as_of",
        default=None,
        metavar="DATE",
        callback=parse_date,
        help="办理日期 YYYY-MM-DD，默认今天（报送的成果数据截至此日，逾期工作日按此日计算）。 The working date.",
    )(f)


def _format_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                        help="输出格式。 Output format.")(f)  # fmt: skip


def _package_command(name: str, *extra: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A ``hazard submission`` subcommand: who acts, the county, the deadline and the working date, then the
    command's own *extra* options, the output format, and Chinese messages for errors."""
    return stacked(
        submission_group.command(name), db_option, user_option, _county_option, _deadline_option, _as_of_option,
        *extra, _format_option, friendly_errors,
    )  # fmt: skip


def _session(db: str | None, user: str | None, county: str | None, acts_as_county: bool) -> Store:
    """The store of the person acting: their account's scope, else the county (or the prefecture)."""
    name = user or default_user()
    probe = store_for(db, name)
    account = get_account(probe, name)
    probe.dispose()
    if account is not None:
        return store_for(db, name, account.county)
    return store_for(db, name, county if acts_as_county else None)


def _deadline(deadline: dt.date | None, as_of: dt.date | None) -> dt.date:
    if deadline is not None:
        return submissions.deadline_of(deadline).day
    day = as_of or dt.date.today()
    found = submissions.next_deadline(day)
    if found is None:
        raise submissions.SubmissionError(f"{day} 之后行动日历中没有报送期限，请用 --deadline 指定")
    return found.day


def _need_county(county: str | None) -> str:
    if not county:
        raise CountyNotGiven()
    return county


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=json_value))


def _version_json(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("county_code", "deadline", "edition", "state", "figures_as_of", "figures", "cases", "summary_name",
            "summary_drafted", "summary_sha256", "scan_name", "scan_type", "scan_sha256", "submitted_at",
            "submitted_by", "reviewed_at", "reviewed_by", "review_comments")  # fmt: skip
    out = {k: json_value(row.get(k)) for k in keep}
    out["version"] = out.pop("edition")
    out["state_label"] = STATES[row["state"]]
    return out


def _done(row: dict[str, Any], fmt: str, what: str) -> None:
    if fmt == "json":
        _echo_json(_version_json(row))
    else:
        click.echo(
            f"已{what}：{row['county_code']} {row['deadline']} 第{row['edition']}版，状态：{STATES[row['state']]}"
        )


@main.group("submission")
def submission_group() -> None:
    """报送与审核：县（市）局报送材料，州局退回或审核通过。

    The reporting cycle: counties submit their package for a deadline; the prefecture returns or approves it.
    """


@_package_command("list")
def list_cmd(db: str | None, user: str | None, county: str | None, deadline: dt.date | None,
             as_of: dt.date | None, fmt: str) -> None:  # fmt: skip
    """列出某一报送期限各县（市）的报送状态、版本、报送时间和逾期工作日。"""
    store = _session(db, user, county, True) if county else _session(db, user, None, False)
    day = _deadline(deadline, as_of)
    frame = deadline_view(store, day, as_of)
    if county:
        frame = frame[frame["county_code"] == county]
    rows = [{k: json_value(r[k]) for k in LIST_KEYS} for r in frame.to_dict("records")]
    if fmt == "json":
        _echo_json(rows)
        return
    click.echo(f"报送期限 {day}：")
    for r in rows:
        late = f"，逾期 {r['late_working_days']} 个工作日" if r["late_working_days"] else ""
        version = f" 第{r['version']}版" if r["version"] else ""
        click.echo(f"  {r['county_code']} {r['county_name']}：{r['state_label']}{version}{late}")


@_package_command("show")
def show_cmd(db: str | None, user: str | None, county: str | None, deadline: dt.date | None,
             as_of: dt.date | None, fmt: str) -> None:  # fmt: skip
    """显示一个县（市）某期限的全部版本、退回意见，以及冻结数据与当前数据的逐项差异。"""
    code = _need_county(county)
    store = _session(db, user, code, True)
    day = _deadline(deadline, as_of)
    rows = submissions.versions(store, code, day)
    diff = package_diff(store, code, day)
    data: dict[str, Any] = {
        "county_code": code,
        "deadline": day.isoformat(),
        "versions": [_version_json(r) for r in rows],
        "differences": [{k: json_value(v) for k, v in r.items()} for r in diff.to_dict("records")],
    }
    if fmt == "json":
        _echo_json(data)
        return
    if not rows:
        click.echo(f"{code} 还没有 {day} 的报送材料")
        return
    for r in rows:
        click.echo(f"第{r['edition']}版：{STATES[r['state']]}，报送 {r['submitted_at'] or '—'} {r['submitted_by'] or ''}，"
                   f"审核 {r['reviewed_at'] or '—'} {r['reviewed_by'] or ''}")  # fmt: skip
        for item, text in (r["review_comments"] or {}).items():
            click.echo(f"    退回意见（{ITEMS.get(item, item)}）：{text}")
    changed = [r for r in data["differences"] if r["difference"]]
    click.echo(f"与当前数据不同的指标 {len(changed)} 项：")
    for r in changed:
        click.echo(f"    {r['label']}：报送 {r['frozen']}，当前 {r['live']}（{r['difference']:+}）")


@_package_command(
    "submit",
    click.option("--scan", "scan", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="加盖公章的封面扫描件（PDF、PNG 或 JPEG，上限见行动日历 scan_max_megabytes）。"),
    click.option("--summary", "summary", default=None, type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="修改后的工作总结（.docx）；不填时报送工作台生成的草稿。"),
    click.option("--case", "cases", multiple=True, type=int, metavar="ID",
                 help="选入的典型案例（案件编号 id，可多次）；不填为截至办理日曝光的全部典型案例。"),
)  # fmt: skip
def submit_cmd(db: str | None, user: str | None, county: str | None, deadline: dt.date | None,
               as_of: dt.date | None, scan: Path, summary: Path | None, cases: tuple[int, ...], fmt: str) -> None:  # fmt: skip
    """报送（或退回后重新报送）一个县（市）某期限的材料：成果数据在报送时冻结。"""
    code = _need_county(county)
    store = _session(db, user, code, True)
    day = _deadline(deadline, as_of)
    row = submit_package(
        store, code, day, as_of=as_of,
        scan=Upload(scan.name, scan.read_bytes()),
        summary=Upload(summary.name, summary.read_bytes()) if summary else None,
        case_ids=list(cases) if cases else None,
    )  # fmt: skip
    _done(row, fmt, "报送")


@_package_command("withdraw")
def withdraw_cmd(db: str | None, user: str | None, county: str | None, deadline: dt.date | None,
                 as_of: dt.date | None, fmt: str) -> None:  # fmt: skip
    """在州局审核前撤回已报送的材料（撤回后为草稿，可重新报送）。"""
    code = _need_county(county)
    store = _session(db, user, code, True)
    _done(submissions.withdraw(store, code, _deadline(deadline, as_of)), fmt, "撤回")


@_package_command(
    "return",
    click.option("--comment", "comments", multiple=True, metavar="ITEM=TEXT",
                 help="退回意见，按事项填写（可多次）：" + "、".join(f"{k}（{v}）" for k, v in ITEMS.items())),
)  # fmt: skip
def return_cmd(db: str | None, user: str | None, county: str | None, deadline: dt.date | None,
               as_of: dt.date | None, comments: tuple[str, ...], fmt: str) -> None:  # fmt: skip
    """州局退回县（市）报送的材料，并逐项写明意见。"""
    code = _need_county(county)
    store = _session(db, user, code, False)
    given: dict[str, str] = {}
    for c in comments:
        item, _, text = c.partition("=")
        given[item.strip()] = text
    at = dt.datetime.combine(as_of, dt.datetime.now().time().replace(microsecond=0)) if as_of else None
    _done(submissions.return_package(store, code, _deadline(deadline, as_of), given, at=at), fmt, "退回")


@_package_command(
    "approve",
    click.option("-o", "--output", "output", default=None, type=click.Path(file_okay=False, path_type=Path),
                 help="审核通过后把材料包（zip）和全州汇总表（xlsx）写入此文件夹。"),
)  # fmt: skip
def approve_cmd(db: str | None, user: str | None, county: str | None, deadline: dt.date | None,
                as_of: dt.date | None, output: Path | None, fmt: str) -> None:  # fmt: skip
    """州局审核通过县（市）报送的材料。"""
    code = _need_county(county)
    store = _session(db, user, code, False)
    day = _deadline(deadline, as_of)
    at = dt.datetime.combine(as_of, dt.datetime.now().time().replace(microsecond=0)) if as_of else None
    row = submissions.approve(store, code, day, at=at)
    if output is not None:
        output.mkdir(parents=True, exist_ok=True)
        for name, data in (package_zip(store, code, day), rollup_xlsx(store, day, preparer=store.user)):
            (output / name).write_bytes(data)
    _done(row, fmt, "审核通过")
