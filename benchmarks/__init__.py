"""Province-scale benchmarks: each figure of the workbook timed against a baseline in the same run.

``python -m benchmarks --scale tiny|small|full`` (see ``docs/benchmarks.md``). Ratios and absolute
times are printed, never asserted.
"""
