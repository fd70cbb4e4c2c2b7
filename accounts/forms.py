"""Forms of the sign-in pages: a code from the authenticator app, or a recovery code."""

import re

from django import forms
from django.core.exceptions import ValidationError

from accounts.two_factor import AUTHENTICATOR_CODE, RECOVERY_CODE


def _code_typed(value: str) -> str:
    """A code as typed, without the spaces and dashes people copy with it."""
    return re.sub(r"[\s-]+", "", value).lower()


class SecondFactorForm(forms.Form):
    """A code from the authenticator app, or a recovery code."""

    code = forms.CharField(
        max_length=40,
        label="Code",
        help_text="The 6 digits your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        code = _code_typed(self.cleaned_data["code"])
        if AUTHENTICATOR_CODE.fullmatch(code) or RECOVERY_CODE.fullmatch(code):
            return code
        raise ValidationError(
            "Enter the 6 digits your authenticator app shows, or a recovery code "
            "(8 letters and digits, like abcd-ef23)."
        )


class AuthenticatorForm(forms.Form):
    """The first code of an authenticator being set up."""

    code = forms.CharField(
        max_length=20,
        label="Code from the app",
        help_text="The 6 digits the app shows for Recount Desk.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self) -> str:
        code = _code_typed(self.cleaned_data["code"])
        if AUTHENTICATOR_CODE.fullmatch(code):
            return code
        raise ValidationError("Enter the 6 digits the app shows (a new code appears every 30 seconds).")
