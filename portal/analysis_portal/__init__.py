"""The analysis module in the portal: imports per territory and school year, stored indices and flags, the
flag workflow (new → discussed → addressed → monitored / closed) and its links to meetings.

The analysis itself is :mod:`portal.analysis` (plain Python); this package stores and serves its results.
"""
