"""Pakta integritas: versioned pledge texts, signing campaigns, and an append-only,
hash-chained record of signatures per instansi."""
