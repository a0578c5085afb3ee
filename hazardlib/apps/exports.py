"""报表导出: choose county and as-of date and download the results list, the ledgers and the drafts; download
blank templates; upload a filled template to import it, with its findings shown and downloadable.

Downloads are data URLs (Voilà serves files only from an allow-list, and a file left on the server
could be fetched by anyone who reaches it); long work shows progress.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

import ipywidgets as widgets

from ..exports import export
from ..intake import KINDS, TEMPLATE_KINDS, import_file, write_findings, write_template
from ..intake.report import FINDING_COLUMNS
from ..reports import REPORTS
from ..store import Store
from .base import App, FirstView, overview_html, scope_name
from .forms import DATE_HINT, DateText
from .ui import (
    FormField,
    button,
    download_link,
    dropdown,
    esc,
    file_picker,
    fmt_date,
    html_table,
    note,
    section,
    section_html,
)

FORMAT_LABELS = {
    "xlsx": "Excel 表格（xlsx）",
    "docx": "Word 文稿（docx）",
    "csv": "逗号分隔文本（csv）",
    "json": "数据文件（json）",
}
MAX_UPLOAD_MB = 100
SHOWN_FINDINGS = 50
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def safe_name(name: str, fallback: str = "上传文件") -> str:
    """A file name without any folder part or characters a file system refuses."""
    base = _UNSAFE.sub("_", Path(str(name).replace("\\", "/")).name).strip(" .")
    return base or fallback


def overview_heading(scope: str, as_of: dt.date) -> str:
    return f"{scope}数据概况（截至{fmt_date(as_of)}）"


class ExportApp(App):
    """Reports to download for a county (or the prefecture) at a date; templates; imports."""

    title: ClassVar[str] = "报表导出"
    context: ClassVar[str] = "看板·报表导出"

    @classmethod
    def first_view(cls, store: Store, as_of: dt.date) -> FirstView | None:
        """The figures of the session's county (or the prefecture) at the as-of date (``data``: their table)."""
        html = overview_html(store, as_of)
        scope = scope_name(store)
        return FirstView(section_html(overview_heading(scope, as_of)) + html, html)

    def build(self) -> widgets.Widget:
        counties = self.county_options(whole="全州（各县（市）及合计）")
        self.county_pick = dropdown(counties, self.county)  # a county sees its own name, not an empty box
        self.day_pick = DateText(self.as_of)
        self.report_pick = widgets.Dropdown(
            options=[(r.title, r.name) for r in REPORTS.values()], value="results-list"
        )
        self.format_pick = widgets.Dropdown()
        self.on_change(self.report_pick, self._formats)
        self._formats("results-list")
        self.report_help = widgets.HTML()
        self.export_fields = {
            "county": FormField("county", "县（市）", self.county_pick),
            "day": FormField("day", "统计截止日期", self.day_pick),
            "report": FormField("report", "报表", widgets.VBox([self.report_pick, self.report_help])),
            "format": FormField("format", "格式", self.format_pick),
        }
        self.export_btn = button("生成下载文件", style="primary", key="export")
        self.on_click(self.export_btn, self.export)
        self.downloads = widgets.HTML()
        self.downloads.add_class("hz-downloads")

        self.template_pick = widgets.Dropdown(options=[(KINDS[k].label, k) for k in TEMPLATE_KINDS])
        self.template_btn = button("下载空白模板", key="template")
        self.on_click(self.template_btn, self.template)
        self.template_link = widgets.HTML()
        self.template_link.add_class("hz-template-link")

        self.upload = file_picker(".xlsx,.xls,.csv")
        self.upload.add_class("hz-input-upload")
        self.kind_pick = dropdown([("自动识别", None)] + [(KINDS[k].label, k) for k in TEMPLATE_KINDS])
        self.dry_run = widgets.Checkbox(description="只检查，不写入（试导入）", indent=False)
        self.import_btn = button("导入", style="success", key="import")
        self.on_click(self.import_btn, self.import_upload)
        self.import_result = widgets.HTML()
        self.import_result.add_class("hz-import-result")
        first = self.first.data if self.first is not None else None
        self.overview_box = widgets.HTML(first if first is not None else self.overview_html())
        self.overview_box.add_class("hz-landing-figures")
        return widgets.VBox(
            [
                section(overview_heading(self.scope_name, self.as_of)),
                self.overview_box,
                section("下载报表"),
                *(f.widget for f in self.export_fields.values()),
                self.export_btn,
                self.downloads,
                section("空白模板"),
                widgets.HBox([self.template_pick, self.template_btn]),
                self.template_link,
                section("上传填好的模板导入"),
                note(
                    f"支持 xlsx、xls、csv，文件不超过 {MAX_UPLOAD_MB}MB；同一文件重复导入不会重复登记。"
                    "有问题的行不会写入，问题清单可下载后修改再导入。"
                ),
                widgets.HBox([self.upload, self.kind_pick, self.dry_run]),
                self.import_btn,
                self.import_result,
            ]
        )

    def _formats(self, name: str) -> None:
        kind = REPORTS[name]
        self.format_pick.options = [(FORMAT_LABELS.get(f, f), f) for f in kind.formats]
        self.format_pick.value = kind.formats[0]
        if hasattr(self, "report_help"):
            self.report_help.value = f'<div class="hz-note">{esc(kind.help)}</div>'

    # -- exports --------------------------------------------------------------------------------
    def file_name(self, name: str, fmt: str, county: str | None, day: dt.date) -> str:
        scope = self.county_name(county) if county else self.scope_name
        return safe_name(f"{scope}{REPORTS[name].title}（截至{day.isoformat()}）.{fmt}")

    def export(self) -> None:
        """Write the chosen report to a temporary file and offer it as a download."""
        for f in self.export_fields.values():
            f.clear()
        day = self.day_pick.value
        if day is None:
            self.export_fields["day"].set_error("请填写统计截止日期")
            return
        if not isinstance(day, dt.date):
            self.export_fields["day"].set_error(f"不是有效的日期，请写作{DATE_HINT}")
            return
        if day > self.as_of:
            self.export_fields["day"].set_error(f"不能晚于今天（{self.as_of.isoformat()}）")
            return
        name, fmt, county = self.report_pick.value, self.format_pick.value, self.county_pick.value
        file_name = self.file_name(name, fmt, county, day)
        with self.working(f"正在生成“{file_name}”……"), tempfile.TemporaryDirectory() as tmp:
            path = export(
                name, self.store, day, county, fmt, Path(tmp) / f"report.{fmt}", preparer=self.store.user
            )
            data = path.read_bytes()
        link = download_link(data, file_name, css_class=f"hz-dl-{name}")
        self.downloads.value = f"<div>{link}</div>" + self.downloads.value
        self.say(f"已生成“{file_name}”（{len(data) / 1024:,.0f} KB），请点击下载。", "ok")

    def template(self) -> None:
        kind = self.template_pick.value
        file_name = safe_name(f"{KINDS[kind].label}导入模板.xlsx")
        with tempfile.TemporaryDirectory() as tmp:
            year = self.year if self.campaign is not None else None  # this campaign's key products
            data = write_template(kind, Path(tmp) / "template.xlsx", year=year).read_bytes()
        self.template_link.value = download_link(data, file_name, css_class="hz-dl-template")

    # -- imports --------------------------------------------------------------------------------
    def uploaded(self) -> tuple[str, bytes] | None:
        """The uploaded file's name and bytes, if a file was chosen."""
        value = self.upload.value
        if not value:
            return None
        item: Any = value[0]
        return safe_name(item["name"]), bytes(item["content"])

    def import_upload(self) -> None:
        """Import the uploaded file (or only check it), showing progress, the outcome and its findings."""
        self.import_result.value = ""
        got = self.uploaded()
        if got is None:
            self.say("请先点击“选择文件”选择要导入的文件。", "warn")
            return
        name, data = got
        if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
            self.say(f"文件超过 {MAX_UPLOAD_MB}MB，请拆分后导入，或用命令行 hazard import 导入。", "error")
            return
        with self.working(f"正在读取“{name}”……") as busy, tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            last = [0.0]

            def progress(done: int, total: int | None) -> None:
                now = time.monotonic()
                if now - last[0] >= 0.2 or (total and done >= total):
                    last[0] = now
                    busy.step(
                        done,
                        total or max(done, 1),
                        f"已处理 {done:,} 行" + (f" / 共 {total:,} 行" if total else ""),
                    )

            report = import_file(
                self.store,
                path,
                self.kind_pick.value,
                self.dry_run.value,
                progress=progress,
                today=self.as_of,
            )
            findings_link = ""
            if report.findings:
                out = write_findings([report], Path(tmp) / "findings.xlsx")
                findings_link = download_link(
                    out.read_bytes(),
                    safe_name(f"{Path(name).stem}_问题清单.xlsx"),
                    "下载问题清单",
                    css_class="hz-dl-findings",
                )
        # The page shows what a clerk reads; the rule's English code stays in the downloadable list.
        frame = report.findings_frame().drop(columns=[FINDING_COLUMNS["code"]])
        more = (
            f'<div class="hz-note">共 {len(frame)} 条，下表列出前 {SHOWN_FINDINGS} 条，完整清单请下载。</div>'
            if len(frame) > SHOWN_FINDINGS
            else ""
        )
        kind = "warn" if report.rejected else "ok"
        self.import_result.value = (
            f'<div class="hz-msg hz-msg-{kind}">{esc(report.summary())}</div>'
            + (html_table(frame.head(SHOWN_FINDINGS)) + more if len(frame) else "")
            + findings_link
        )
        self.clear_message()
        self.upload.value = ()
        self.overview_box.value = self.overview_html()
