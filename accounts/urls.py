from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/two-factor/", views.two_factor, name="two_factor"),
    path("account/two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/set-up/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/set-up/email-link/", views.two_factor_link, name="two_factor_link"),
    path("account/two-factor/set-up/<str:token>/", views.two_factor_enrol, name="two_factor_enrol"),
    path("account/two-factor/replace/", views.authenticator_replace, name="authenticator_replace"),
    path("account/two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("account/two-factor/turn-off/", views.two_factor_off, name="two_factor_off"),
]
