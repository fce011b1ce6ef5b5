"""Consultations in which parents take part (DOMAIN.md, "Consultations with parents")."""
