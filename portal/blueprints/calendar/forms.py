from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """An empty form: its CSRF token is the confirmation."""
