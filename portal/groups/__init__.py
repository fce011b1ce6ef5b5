"""Working groups: memberships with history, balanced composition, self-declared sensitive traits."""
