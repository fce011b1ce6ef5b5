"""Blueprint registry: each area's blueprint is listed here once."""

from importlib import import_module

from flask import Flask

BLUEPRINTS = [
    "portal.blueprints.errors",
    "portal.blueprints.main",
    "portal.blueprints.health",
    "portal.blueprints.auth",
    "portal.blueprints.account",
    "portal.blueprints.users",
    "portal.blueprints.admin",
    "portal.blueprints.groups",
    "portal.blueprints.analysis",
    "portal.blueprints.meetings",
    "portal.blueprints.calendar",
    "portal.blueprints.rsvp",
    "portal.blueprints.exports",
    "portal.blueprints.documents",
    "portal.blueprints.rounds",
    "portal.blueprints.proposals",
    "portal.blueprints.consultations",
    "portal.blueprints.reports",
]


def register(app: Flask) -> None:
    for name in BLUEPRINTS:
        module = import_module(name)
        app.register_blueprint(module.bp)
        if hasattr(module, "init_app"):
            module.init_app(app)
