from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from accounts.views import PasswordChange
from recounts.views.site import security_txt

admin.site.site_header = "Recount Desk administration"
admin.site.site_title = "Recount Desk"
admin.site.index_title = "Secretary of State and superintendents"
# "View site" goes where a login lands (an administrator with no other role: back to the admin), not
# to the list of elections, which such an account may not open.
admin.site.site_url = reverse_lazy("recounts:start")

urlpatterns = [
    path("admin/", admin.site.urls),
    path(".well-known/security.txt", security_txt, name="security_txt"),
    # A login lands on the page of the user's role (`recounts:start`).
    path("login/", auth_views.LoginView.as_view(next_page="recounts:start"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The one-time link of a candidate's invitation: Django's password-reset token, used once.
    path(
        "accounts/set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/set_password.html", success_url=reverse_lazy("password_set_done")
        ),
        name="password_set",
    ),
    path(
        "accounts/set-password/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/set_password_done.html"),
        name="password_set_done",
    ),
    # Changing one's password ends every other session of the account (Django's session auth hash)
    # and tells the account holder.
    path(
        "account/password/",
        PasswordChange.as_view(),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    path("", include("recounts.urls")),
    path("", include("accounts.urls")),
]
