"""Accounts in the admin: users, their second factors (never their secrets).

Who may change what is the recount desk's rules (`recounts.permissions`), asked by name through the
`rules` package: accounts sit below recounts and cannot import them. The Secretary of State's staff
keep accounts (they may add and change them), but nothing that would let them make an administrator
or take over an account: an account's superuser flag, groups and own permissions are an
administrator's (`desk.grant_privileges`); an account that has signed in keeps its email address and
password (`desk.set_sign_in`: its holder changes the password, an administrator resets it); an
account holding a permission the editor lacks is view-only (`desk.change_account`). When an account
joined and last signed in are read-only for everyone. A change of email address is told to the old
address and the new one. Staff memberships are kept from the recount desk's admin, where its rules
for appointing superintendents apply (`recounts.admin`).
"""

import rules
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import notices
from accounts.two_factor import second_factor_reset
from elections.admin import ReadOnlyAdminMixin


# Two-factor sign-in: which account has which second factor, never its secret (django-otp's own admin
# shows authenticator keys and recovery codes, which would let an administrator sign in as anyone).
# Seen only: a reset goes through the user's page (below), which removes every device at once.
class SecondFactorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    fields = list_display
    readonly_fields = list_display


for device_model in (TOTPDevice, StaticDevice):
    admin.site.unregister(device_model)
    admin.site.register(device_model, SecondFactorAdmin)


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    actions = ["reset_two_factor"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        # When an account joined and last signed in are facts, not settings (and "has signed in" guards
        # its email and password below).
        fields = [*super().get_readonly_fields(request, obj), "last_login", "date_joined"]
        if not rules.has_perm("desk.grant_privileges", request.user, obj):
            fields += ["is_superuser", "groups", "user_permissions"]
        if obj is not None and not rules.has_perm("desk.set_sign_in", request.user, obj):
            fields.append("email")
        return fields

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and not rules.has_perm("desk.change_account", request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        """Accounts are made inactive, never deleted: history and the audit trail name who did what."""
        return False

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "email" in form.changed_data:
            notices.email_changed(user=obj, old=form.initial.get("email", ""), by=request.user)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        user = self.get_object(request, unquote(id))
        if user is not None and not rules.has_perm("desk.set_sign_in", request.user, user):
            raise PermissionDenied("Only an administrator may set the password of an account that has signed in.")
        response = super().user_change_password(request, id, form_url)
        # Saved: Django redirects to the account's page (a refused form stays, or comes back to itself).
        if request.method == "POST" and response.status_code == 302 and response.url != request.get_full_path():
            notices.sign_in_changed(user=user, change="Your password was changed by an administrator", by=request.user)
        return response

    def has_reset_two_factor_permission(self, request: HttpRequest) -> bool:
        return rules.has_perm("desk.reset_two_factor", request.user, None)

    @admin.action(
        description="Reset two-factor sign-in (lost phone and recovery codes)", permissions=["reset_two_factor"]
    )
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet) -> None:
        users = list(queryset.order_by("username"))
        for user in users:
            second_factor_reset(user=user, by=request.user)
        self.message_user(
            request,
            f"Two-factor sign-in reset for {', '.join(user.get_username() for user in users)}: each sets it up "
            "again, through a link emailed to them, at the next sign-in.",
            messages.SUCCESS,
        )
