"""Apel and sosialisasi events: check-in with a rotating code, a live scenario quiz on the
projector, the room signing the pakta, and the figures afterwards."""
