"""HR reports: the Rekap per SKPD dashboard and the national roll-up."""
