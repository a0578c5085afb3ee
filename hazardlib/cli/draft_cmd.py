"""``hazard draft instrument --id N -o FILE.docx``: the Word draft of a document of 三书一函."""

from __future__ import annotations

from pathlib import Path

import click

from ..exports.instrument_draft import write_instrument
from .root import friendly_errors, main, output_option, scope_options, store_for


@main.group("draft")
def draft_group() -> None:
    """起草文书（Word 草稿）。 Draft documents as Word files."""


@draft_group.command("instrument")
@click.option(
    "--id", "instrument_id", required=True, type=int, help="文书的编号（库中序号）。 The instrument's id."
)
@scope_options
@output_option("输出的 .docx 文件。 File to write.")
@friendly_errors
def draft_instrument(
    instrument_id: int, db: str | None, user: str | None, county: str | None, output: Path
) -> None:
    """起草“三书一函”文书：签发单位、文书编号、企业、涉及的问题隐患、方案依据和期限。

    Write the Word draft of instrument N (its number, the enterprise, the hazards behind it, the clause of
    the work plan it rests on and the deadline) to the file given by -o.
    """
    store = store_for(db, user, county)
    path = write_instrument(store, instrument_id, output)
    click.echo(f"已起草：{path}")
