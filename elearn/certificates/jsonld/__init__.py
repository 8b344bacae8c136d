"""JSON-LD context files shipped with the package (data only; see README.md and ../contexts.py)."""
