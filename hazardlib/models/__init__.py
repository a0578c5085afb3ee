"""Domain models of the campaign's records, validated with pydantic.

Each model is the shape of one record as it is stored (English field names, English codes for closed
vocabularies), but accepts what people write: Chinese labels and their variants, full-width digits,
stray spaces. ``validate(Model, data)`` returns the model or raises :class:`ValidationFailed` carrying
every finding at once, each naming the field in Chinese.

The models are split by concern: the shared base and field declarations (:mod:`.record_base`), the
enterprise (:mod:`.enterprise_records`), self-checks, inspections and the hazard ledger
(:mod:`.ledger_records`), spot checks, signals and tracing (:mod:`.spot_records`), casework and its documents
(:mod:`.case_records`) and validation into findings (:mod:`.validation`). Callers import from
``hazardlib.models`` itself: the package is one concern to them, its modules a split for the reader;
``tests/test_layout.py`` keeps every import outside the package on this one path.
"""

# the checks of fields that callers also use as models.check_… (they were always reachable here)
from ..fields import category_of, check_uscc, other_county_product
from .case_records import (
    CountyOversight,
    CountyPlan,
    EnforcementCase,
    HelpRecord,
    Instrument,
    Interview,
    LocalReport,
    OversightResponse,
    WrittenReport,
)
from .enterprise_records import Enterprise
from .ledger_records import Hazard, Inspection, LedgerMove, RiskControlItem, SelfCheck
from .record_base import COUNTY, ENTERPRISE_FIELD, GRADE, NAME, NOTE, PRODUCT, USCC, Record
from .spot_records import Party, RiskSignal, SpotCheck, TracingReport
from .validation import SHOWN_CHARS, check, check_many, findings_of, max_chars, shown, validate

__all__ = [
    "COUNTY",
    "ENTERPRISE_FIELD",
    "GRADE",
    "NAME",
    "NOTE",
    "PRODUCT",
    "SHOWN_CHARS",
    "USCC",
    "CountyOversight",
    "CountyPlan",
    "EnforcementCase",
    "Enterprise",
    "Hazard",
    "HelpRecord",
    "Inspection",
    "Instrument",
    "Interview",
    "LedgerMove",
    "LocalReport",
    "OversightResponse",
    "Party",
    "Record",
    "RiskControlItem",
    "RiskSignal",
    "SelfCheck",
    "SpotCheck",
    "TracingReport",
    "WrittenReport",
    "category_of",
    "check",
    "check_many",
    "check_uscc",
    "findings_of",
    "max_chars",
    "other_county_product",
    "shown",
    "validate",
]
