"""The review area's forms; Flask-WTF gives each one its CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField("Name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class ActionForm(FlaskForm):
    """A button with nothing to fill in: reveal a number, log out."""


class ReviewForm(FlaskForm):
    status = RadioField(
        "Review",
        choices=[
            SelectChoice("reviewed", "Reviewed"),
            SelectChoice("follow_up", "Needs follow-up"),
        ],
        validators=[DataRequired()],
    )
    note = TextAreaField("Note", validators=[Length(max=4000)])


class CallbackForm(FlaskForm):
    note = TextAreaField("What was done", validators=[Length(max=4000)])
