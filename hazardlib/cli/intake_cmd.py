"""``hazard template`` and ``hazard import``: blank spreadsheets to fill, and taking them in."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from ..intake import (
    KINDS,
    TEMPLATE_KINDS,
    FileRefused,
    ImportReport,
    import_file,
    write_findings,
    write_template,
)
from .root import friendly_errors, main, output_option, scope_options, store_for

SHOWN_FINDINGS = 20
_KIND_LINES = "\n".join(f"  {k:<16}{s.label}" for k, s in KINDS.items())


@main.command("template", epilog=f"\b\n模板类型 Kinds:\n{_KIND_LINES}")
@click.argument("kind", type=click.Choice(TEMPLATE_KINDS), metavar="KIND")
@output_option("输出文件（.xlsx）。 The template file to write.")
@click.option(
    "--year",
    type=click.IntRange(2000, 2100),
    default=None,
    help="行动年度：下拉列表列出该年度行动的重点产品（默认列出全部类别）。 Campaign year of the product lists.",
)
@friendly_errors
def template_cmd(kind: str, output: Path, year: int | None) -> None:
    """生成空白导入模板（Excel），供县局和企业填写后用 hazard import 导入。

    Write the blank xlsx template of KIND: enterprises, self-checks, inspections, rectifications,
    spot-checks, enforcement, help, risk-signals, county-plans, interviews or oversight.
    """
    path = write_template(kind, output, year=year)
    click.echo(f"已生成“{KINDS[kind].label}”导入模板：{path}")


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@scope_options
@click.option(
    "--kind",
    type=click.Choice(TEMPLATE_KINDS),
    default=None,
    help="文件的数据类型；不填时按模板或表头判断。 The kind of the files (default: from the template or the headers).",
)
@click.option(
    "--dry-run", is_flag=True, help="试导入：检查并报告，不写入数据库。 Check and report; write nothing."
)
@click.option(
    "--findings",
    "findings_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="OUT.xlsx",
    help="把问题清单写入 Excel（标红有问题的单元格）。 Write the findings to an xlsx with the bad cells in red.",
)
@click.option("--quiet", is_flag=True, help="不显示进度条。 No progress bar.")
@friendly_errors
def import_cmd(
    files: tuple[Path, ...],
    db: str | None,
    user: str | None,
    county: str | None,
    kind: str | None,
    dry_run: bool,
    findings_path: Path | None,
    quiet: bool,
) -> None:
    """导入 Excel（.xlsx、.xls）或 CSV 文件：每个文件的有效行在一个事务中写入，有问题的行列入问题清单。

    Import xlsx, xls or csv files: each file's valid rows are committed in one transaction, and every
    rejected row is reported as a finding. Importing the same file again changes nothing.
    """
    store = store_for(db, user, county)
    reports: list[ImportReport] = []
    refused = 0
    for path in files:
        bar = ProgressBar(path.name, enabled=not quiet)
        try:
            report = import_file(store, path, kind, dry_run, progress=bar)
        except FileRefused as exc:
            refused += 1
            click.echo(f"错误：{exc}", err=True)
            continue
        finally:
            bar.close()
        reports.append(report)
        _print(report, findings_path)
    if findings_path is not None and reports:
        write_findings(reports, findings_path)
        total = sum(len(r.findings) for r in reports)
        click.echo(f"问题清单（{total} 条）已写入：{findings_path}")
    if refused or any(r.rejected for r in reports):
        sys.exit(1)


def _print(report: ImportReport, findings_path: Path | None) -> None:
    click.echo(report.summary())
    if report.previous_imports:
        last = report.previous_imports[-1]
        click.echo(
            f"  注意：同一文件（内容相同）已于 {last['imported_at']:%Y-%m-%d %H:%M} 由 {last['actor']} 导入过；本次不会重复登记。"
        )
    for finding in report.findings[:SHOWN_FINDINGS]:
        mark = "  ✗ " if finding.severity == "error" else "  ! "
        value = f"（填写的是“{finding.value}”）" if finding.value not in (None, "") else ""
        click.echo(f"{mark}{finding}{value}")
    hidden = len(report.findings) - SHOWN_FINDINGS
    if hidden > 0:
        where = "见问题清单文件" if findings_path else "加 --findings 问题.xlsx 可得到完整清单"
        click.echo(f"  ……另有 {hidden} 条，{where}")


class ProgressBar:
    """A tqdm bar on stderr fed by the importer's progress callback; shown only if the import lasts."""

    def __init__(self, name: str, enabled: bool = True):
        self.name, self.enabled = name, enabled
        self.bar: Any = None

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = tqdm(total=total, desc=self.name, unit="行", file=sys.stderr, delay=1.0, leave=False)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
