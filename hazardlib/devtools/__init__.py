"""Tools for developing and testing the workbook: a throwaway PostgreSQL server, load and fault workers.

Nothing here is used by the workbook at run time; the test suite and the benchmarks import it.
"""
