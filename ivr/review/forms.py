"""The review area's forms; Flask-WTF gives each one its CSRF token, GOV.UK Frontend its markup."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovRadioInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import PasswordField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField(
        "Name", widget=GovTextInput(), validators=[DataRequired(), Length(max=64)]
    )
    password = PasswordField(
        "Password", widget=GovPasswordInput(), validators=[DataRequired(), Length(max=1024)]
    )


class ActionForm(FlaskForm):
    """A button with nothing to fill in: reveal a number, log out, take a call-back."""


class ReviewForm(FlaskForm):
    status = RadioField(
        "Mark this call",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("reviewed", "Reviewed"),
            SelectChoice("follow_up", "Needs follow-up"),
        ],
        validators=[DataRequired(message="Choose reviewed or needs follow-up")],
    )
    note = TextAreaField("Note (optional)", widget=GovTextArea(), validators=[Length(max=4000)])


class CallbackForm(FlaskForm):
    """Marking a call-back done needs a word on what was done: the next supervisor reads it."""

    note = TextAreaField(
        "What was done",
        widget=GovTextArea(),
        description="For example: rang back at 10:20, spoke to the caller, referral made.",
        validators=[
            DataRequired(message="Write what was done before marking it done"),
            Length(max=4000, message="Keep the note under 4,000 characters"),
        ],
    )
