"""Intake from spreadsheets: blank templates to fill, and an import that never loses or doubles a row.

    write_template("inspections", "现场检查模板.xlsx")
    report = import_file(store, "现场检查.xlsx", dry_run=True)
    report.summary(); report.findings_frame(); write_findings([report], "问题.xlsx")

The kinds, their canonical columns, keys and the limits are documented in ``docs/intake.md``.
"""

from .findings_xlsx import write_findings
from .importer import import_file
from .kinds import KINDS, TEMPLATE_KINDS
from .report import ImportReport
from .safety import LIMITS, FileRefused, Limits
from .templates import write_template

__all__ = [
    "KINDS",
    "LIMITS",
    "TEMPLATE_KINDS",
    "FileRefused",
    "ImportReport",
    "Limits",
    "import_file",
    "write_findings",
    "write_template",
]
