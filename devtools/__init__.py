"""Tools for developing and testing the workbook: a throwaway PostgreSQL server, load and fault workers,
the demo store nbval runs the notebooks on, and the notebook cleaner.

Nothing here is used by the workbook at run time, so it lives beside the package, not in it: it is not
installed with ``hazardlib`` (``[tool.setuptools.packages.find]`` takes ``hazardlib*`` only). The test
suite, ``./workbook`` and ``python -m devtools.…`` import it from the repository's root.
"""
