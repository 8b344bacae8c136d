"""Rekap per SKPD: completion counted against the roster, its pictures and its exports."""
