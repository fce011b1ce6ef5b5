"""Proposed activities (issue 11): services (writes), reads (queries pages and exports share) and the
workflow (who may move a proposal where)."""
