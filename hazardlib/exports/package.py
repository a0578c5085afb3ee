"""A county's package for a report deadline, assembled and written: the one path by which the command line,
the 报送与审核 page and the demo submit (figures from the results list, the summary drafted by
:mod:`.docx` unless the county uploaded its edited version, the typical cases it chose, the stamped scan),
and the files the prefecture downloads — an approved package as one zip, a deadline's roll-up as xlsx.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .. import submissions
from ..campaign import ReportDeadline
from ..regions import load_regions
from ..reports.labels import bureau
from ..reports.results_list import results_frame
from ..reports.scope import Scope, scope_for
from ..reports.submission_view import rollup
from ..reports.summaries import SummaryKind
from ..reports.summaries import summary as summary_of
from ..reports.typical_cases import CASE_COLUMNS, cases_frame
from ..store import PREFECTURE_CODE, SYSTEM_USER, Store
from ..submissions import Package, SubmissionError, Upload
from ..vocab import YES_NO_LABELS
from .book_writer import write_workbook
from .docx import write_summary
from .report_forms import sheet_for
from .tabular import json_value
from .xlsx import Heading, Sheet

SCAN_SUFFIX = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg"}
MESSAGES = {
    "not_approved": "{county}{deadline}的材料尚未审核通过，只能下载审核通过的材料",
    "unknown_cases": "所选典型案例 {ids} 不是{county}截至{as_of}曝光的典型案例",
    "missing": "未报送或未审核通过的县（市）（{n} 个）：{names}",
    "all_in": "各县（市）材料均已审核通过。",
    "from_packages": "说明：本表由各县（市）审核通过的报送材料中冻结的成果数据汇总而成（各县取审核通过的版本）。",
}
DATE_COLUMNS = ("filed_date", "transfer_date", "published_date")


def summary_kind(deadline: ReportDeadline) -> SummaryKind:
    """The summary a deadline asks for: the stage summary when the calendar lists 阶段性工作总结, else the work summary."""
    return "stage" if "阶段性工作总结" in deadline.items else "work"


def _bytes_of(write: Any, suffix: str) -> bytes:
    """What ``write(path)`` writes, as bytes (the writers take a path)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"out{suffix}"
        write(path)
        return path.read_bytes()


def _dated(docx_bytes: bytes, day: dt.date) -> bytes:
    """The same docx with every part dated ``day`` (python-docx stamps the parts with the clock), so that the
    same figures give the same file — and the same SHA-256 in the audit log."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx_bytes)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z,
    ):
        for info in source.infolist():
            part = zipfile.ZipInfo(info.filename, (day.year, day.month, day.day, 0, 0, 0))
            part.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(part, source.read(info))
    return out.getvalue()


def summary_file_name(county: str, deadline: dt.date, kind: str) -> str:
    document = "阶段性工作总结" if kind == "stage" else "工作总结"
    return f"{_unit(county)}{document}（{deadline.isoformat()}）.docx"


def _unit(code: str) -> str:
    """The county's name (e.g. 都匀市)."""
    return load_regions().name_of(code)


def draft_summary(store: Store, county: str, deadline: dt.date, as_of: dt.date) -> Upload:
    """The workbook's Word draft of the summary the deadline asks for, with the county's figures at ``as_of``."""
    kind = summary_kind(submissions.deadline_of(deadline))
    data = summary_of(store, kind, as_of, county)
    content = _dated(_bytes_of(lambda p: write_summary(data, p, made_on=as_of), ".docx"), as_of)
    return Upload(summary_file_name(county, deadline, kind), content)


def _case_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): json_value(v) for k, v in row.items()} for row in frame.to_dict("records")]


def chosen_cases(
    store: Store, county: str, as_of: dt.date, ids: Sequence[int] | None
) -> list[dict[str, Any]]:
    """The typical cases the county chose (case ids; None: every typical case it published by ``as_of``), as
    frozen rows; SubmissionError naming any id that is not one of them."""
    frame = cases_frame(store, scope_for(store, as_of, county))
    if ids is None:
        return _case_rows(frame)
    wanted = [int(i) for i in ids]
    unknown = sorted(set(wanted) - set(frame["case_id"].astype(int)))
    if unknown:
        raise SubmissionError(
            MESSAGES["unknown_cases"].format(
                ids="、".join(map(str, unknown)), county=_unit(county), as_of=as_of.isoformat()
            )
        )
    return _case_rows(frame[frame["case_id"].astype(int).isin(wanted)])


def frozen_figures(store: Store, county: str, as_of: dt.date) -> dict[str, Any]:
    """The county's row of the results list at ``as_of`` (key → JSON value), as a package freezes it."""
    frame = results_frame(store, scope_for(store, as_of, county))
    row = frame.iloc[0]
    return {str(k): json_value(v) for k, v in row.items() if k not in ("county_code", "county_name")}


def submit_package(
    store: Store,
    county: str,
    deadline: dt.date,
    *,
    as_of: dt.date | None = None,
    at: dt.datetime | None = None,
    scan: Upload | None = None,
    summary: Upload | None = None,
    case_ids: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Assemble and submit the county's package for ``deadline`` on ``as_of`` (default today): its figures at
    that date, the summary (given, else the draft's upload, else the workbook's draft), the cases (given ids,
    else the draft's, else every typical case published) and the scan (given, else the draft's). The checks
    and the write are :func:`hazardlib.submissions.submit`'s."""
    day = as_of or dt.date.today()
    submissions.own_county(store, county)  # who may submit, and for which deadline: refused before any work
    submissions.deadline_of(deadline)
    draft = submissions.draft_of(store, county, deadline)
    if scan is None and draft is not None and draft["scan"] is not None:
        scan = Upload(draft["scan_name"] or "盖章扫描件", draft["scan"])
    if scan is None:
        raise SubmissionError(submissions.MESSAGES["no_scan"])
    drafted = False
    if summary is None and draft is not None and draft["summary_docx"] is not None:
        summary = Upload(draft["summary_name"] or "工作总结.docx", draft["summary_docx"])
    if summary is None:
        summary, drafted = draft_summary(store, county, deadline, day), True
    if case_ids is None and draft is not None and draft["cases"] is not None:
        cases = list(draft["cases"])
    else:
        cases = chosen_cases(store, county, day, case_ids)
    package = Package(frozen_figures(store, county, day), day, cases, summary, drafted, scan)
    when = at or dt.datetime.combine(day, dt.datetime.now().time().replace(microsecond=0))
    return submissions.submit(store, county, deadline, package, at=when)


# -- the prefecture's downloads ---------------------------------------------------------------------
def _heading(scope: Scope, preparer: str | None, made_on: dt.date | None) -> Heading:
    person = (preparer or "").strip()
    return Heading(bureau(scope.unit_code), scope.as_of, person if person != SYSTEM_USER else None, made_on)


def _xlsx(sheets: list[Sheet], heading: Heading) -> bytes:
    return _bytes_of(lambda p: write_workbook(p, sheets, heading), ".xlsx")


def _cases_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=CASE_COLUMNS)
    for col in DATE_COLUMNS:
        frame[col] = [dt.date.fromisoformat(v) if isinstance(v, str) and v else None for v in frame[col]]
    frame["dishonesty_label"] = frame["dishonesty_listed"].map(YES_NO_LABELS)
    frame["revoked_label"] = frame["licence_revoked"].map(YES_NO_LABELS)
    return frame


def package_file_name(county: str, deadline: dt.date) -> str:
    """For example 都匀市_2024-08-20_报送材料.zip."""
    return f"{_unit(county)}_{deadline.isoformat()}_报送材料.zip"


def package_zip(store: Store, county: str, deadline: dt.date) -> tuple[str, bytes]:
    """The approved version of the county's package as one zip — 行动成果清单.xlsx (the frozen figures),
    the summary docx as submitted, 典型案例.xlsx (the frozen cases) and the stamped scan — with its file name.
    SubmissionError when the package is not approved."""
    submissions.deadline_of(deadline)
    row = submissions.approved_version(store, county, deadline)
    if row is None:
        raise SubmissionError(
            MESSAGES["not_approved"].format(
                county=_unit(county), deadline=f"{deadline.month}月{deadline.day}日"
            )
        )
    as_of = row["figures_as_of"]
    scope = scope_for(store, as_of, county)
    made_on = row["submitted_at"].date() if row["submitted_at"] else None
    heading = _heading(scope, row["submitted_by"], made_on)
    figures = pd.DataFrame([{"county_code": county, "county_name": scope.unit_name, **row["figures"]}])
    results = _xlsx([sheet_for("results-list", figures, scope)], heading)
    cases = _xlsx([sheet_for("typical-cases", _cases_frame(list(row["cases"] or [])), scope)], heading)
    name = row["summary_name"] or "工作总结.docx"
    scan = f"盖章扫描件{SCAN_SUFFIX.get(row['scan_type'] or '', '')}"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("行动成果清单.xlsx", results)
        z.writestr(name if name.endswith(".docx") else f"{name}.docx", row["summary_docx"] or b"")
        z.writestr("典型案例.xlsx", cases)
        z.writestr(scan, row["scan"] or b"")
    return package_file_name(county, deadline), out.getvalue()


def rollup_file_name(deadline: dt.date) -> str:
    return f"全州汇总_{deadline.isoformat()}_审核通过材料.xlsx"


def rollup_xlsx(store: Store, deadline: dt.date, *, preparer: str | None = None) -> tuple[str, bytes]:
    """The prefecture's roll-up of ``deadline`` from the approved packages as the results-list form (the
    counties with an approved package, then the total), its notes naming the counties still missing."""
    data = rollup(store, deadline)
    scope = scope_for(store, deadline)
    sheet = sheet_for("results-list", data.approved, scope)
    missing = data.missing_names
    note = (
        MESSAGES["missing"].format(n=len(missing), names="、".join(missing))
        if missing
        else MESSAGES["all_in"]
    )
    sheet.notes = [MESSAGES["from_packages"], note, *sheet.notes]
    return rollup_file_name(deadline), _xlsx(
        [sheet], _heading(scope_for(store, deadline, PREFECTURE_CODE), preparer, None)
    )


__all__ = [
    "chosen_cases",
    "draft_summary",
    "frozen_figures",
    "package_file_name",
    "package_zip",
    "rollup_file_name",
    "rollup_xlsx",
    "submit_package",
]
