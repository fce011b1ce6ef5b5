"""Routes shared by every part of the consultations blueprint (none yet: each part has its module)."""
