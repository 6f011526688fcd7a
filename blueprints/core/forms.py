"""Forms shared by every domain."""
from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A bare POST button: no fields, only the CSRF token."""
