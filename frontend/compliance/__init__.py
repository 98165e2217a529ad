"""Compliance pages: the audit side (map, runs, findings, exports) and the registry side (licences,
sites, responsible entities, topology change requests)."""
