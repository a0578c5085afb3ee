"""The three-stage tracker: where the campaign stands at a date (:mod:`.windows`), each county's progress and
whether it is on track (:mod:`.progress`), the standing supervision classes (:mod:`.standing_classes`) and stage
2's proposed inspection lists (:mod:`.proposals`).

Callers import from ``hazardlib.stages`` itself: the package is one concern to them, its modules a split for
the reader; ``tests/test_layout.py`` keeps every import outside the package on this one path.
"""

from .progress import (
    COUNT_COLUMNS,
    JUDGED,
    LAGGING,
    county_progress,
    county_progress_rows,
    key_enterprise,
    ledger_counts,
    open_hazards,
    self_check_counted,
)
from .proposals import REASON_TEXT, factor_counts, factor_points, inspection_proposals
from .standing_classes import campaign_years, class_terms, classified, in_campaign
from .windows import Window, county_codes, stage_status, window

__all__ = [
    "COUNT_COLUMNS",
    "JUDGED",
    "LAGGING",
    "REASON_TEXT",
    "Window",
    "campaign_years",
    "class_terms",
    "classified",
    "county_codes",
    "county_progress",
    "county_progress_rows",
    "factor_counts",
    "factor_points",
    "in_campaign",
    "inspection_proposals",
    "key_enterprise",
    "ledger_counts",
    "open_hazards",
    "self_check_counted",
    "stage_status",
    "window",
]
