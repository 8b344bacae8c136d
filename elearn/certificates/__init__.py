"""Completion certificates: issued when a course is complete, signed, verifiable, revocable."""
