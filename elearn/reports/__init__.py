"""Rekap per SKPD: completion of a course, quiz and pakta campaign against the roster; the
national roll-up (summary_models, national)."""
