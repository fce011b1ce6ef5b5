"""The annual activity report (*výroční zpráva o činnosti PS*; DOMAIN.md, "Annual activity report")."""
