"""Deployment checks (`manage.py check --deploy`) for what Django's own do not cover."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def security_contact_check(app_configs, **kwargs) -> list[Warning]:
    if settings.SECURITY_CONTACT:
        return []
    return [
        Warning(
            "No security contact is set, so /.well-known/security.txt is not served and nobody knows where to "
            "report a vulnerability in this deployment.",
            hint="Set RECOUNT_SECURITY_CONTACT to a monitored mailto: or https: URI.",
            id="recounts.W001",
        )
    ]
