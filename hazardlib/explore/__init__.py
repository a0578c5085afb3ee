"""Questions the quality section asks of the campaign, as functions that return pandas DataFrames — what
the notebooks in ``notebooks/`` call (they hold no logic of their own; see ``docs/notebooks.md``).

    store = open_workbook()                                 # HAZARD_DB, else data/workbook.db (demo if empty)
    figures(store, as_of)                                   # the results list, one row per figure
    hazards_by(store, as_of, "problem"); spot_checks_by(store, as_of, "category")
    repeat_offenders(store, as_of); consecutive_unqualified(store, as_of); help_candidates(store, as_of)
    enterprise_history(store, enterprise_id)                # one enterprise's records of every year
    closeout_series(store, as_of); closeout_projection(store, as_of)
    zh(frame)                                               # Chinese column headings for display
"""

from ..reports.enterprise_history import HISTORY_COLUMNS, enterprise_history
from .attention import SUPERVISION_LABELS, consecutive_unqualified, help_candidates, repeat_offenders
from .breakdowns import (
    DIMENSIONS,
    HAZARD_DIMENSIONS,
    SPOT_CHECK_DIMENSIONS,
    hazards_by,
    key_problems,
    product_overview,
    spot_checks_by,
)
from .closeout import closeout_chart, closeout_projection, closeout_series, pace_start
from .filling import example_inspections, fill_template
from .findings import findings
from .headings import column_labels, zh
from .tally import compare, tally
from .workbook import (
    DEMO_SCALE,
    DEMO_SEED,
    calendar,
    figures,
    is_empty,
    open_workbook,
    scratch_copy,
    scratch_folder,
    stage_label,
)

__all__ = [
    "DEMO_SCALE",
    "DEMO_SEED",
    "DIMENSIONS",
    "HAZARD_DIMENSIONS",
    "HISTORY_COLUMNS",
    "SPOT_CHECK_DIMENSIONS",
    "SUPERVISION_LABELS",
    "calendar",
    "closeout_chart",
    "closeout_projection",
    "closeout_series",
    "column_labels",
    "compare",
    "consecutive_unqualified",
    "enterprise_history",
    "example_inspections",
    "figures",
    "fill_template",
    "findings",
    "hazards_by",
    "help_candidates",
    "is_empty",
    "key_problems",
    "open_workbook",
    "pace_start",
    "product_overview",
    "repeat_offenders",
    "scratch_copy",
    "scratch_folder",
    "spot_checks_by",
    "stage_label",
    "tally",
    "zh",
]
