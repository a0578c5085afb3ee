"""hazardlib — 重点工业产品质量安全隐患排查治理行动 supervision workbook.

The package holds every rule and record of the campaign; notebooks and dashboards only ask and show.
"""

__version__ = "0.1.0"
