from django.urls import path

from recounts import views

app_name = "recounts"

urlpatterns = [
    path("start/", views.start, name="start"),
    path("my-contests/", views.mine, name="mine"),
    path("candidates/<int:pk>/file/", views.file_request, name="file"),
    path("candidates/<int:pk>/invite/", views.invite, name="invite"),
    path("requests/record/", views.record, name="record"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/receipt.pdf", views.receipt, name="receipt"),
    path("requests/<int:pk>/letter.pdf", views.letter, name="letter"),
    path("requests/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("requests/<int:pk>/order/<int:county>/", views.order, name="order"),
    path("requests/<int:pk>/direct/", views.direct, name="direct"),
    path("requests/<int:pk>/deny/", views.deny, name="deny"),
    path("requests/<int:pk>/finish/", views.finish, name="finish"),
    path("requests/<int:pk>/discrepancies/", views.discrepancies, name="discrepancies"),
    path("requests/<int:pk>/discrepancies.csv", views.discrepancies_csv, name="discrepancies_csv"),
    path("requests/<int:pk>/directive.pdf", views.directive_pdf, name="directive_pdf"),
    path("requests/<int:pk>/outcome.pdf", views.recertification, name="recertification_pdf"),
    path("county-recounts/<int:pk>/", views.worksheet, name="worksheet"),
    path("county-recounts/<int:pk>/scanner-tests/", views.scanner_test, name="scanner_test"),
    path("county-recounts/<int:pk>/late-ballots/", views.late_ballots, name="late_ballots"),
    path("county-recounts/<int:pk>/submit/", views.submit, name="submit"),
    path("county-recounts/<int:pk>/sign-off/", views.sign_off, name="sign_off"),
    path("county-recounts/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("county-recounts/<int:pk>/schedule/", views.schedule, name="schedule"),
    path("county-recounts/<int:pk>/order.pdf", views.order_pdf, name="order_pdf"),
    path(
        "county-recounts/<int:pk>/notice-to-candidate-<int:candidate>.pdf",
        views.count_notice,
        name="count_notice",
    ),
    path("county-recounts/<int:pk>/notice-to-chair-<int:chair>.pdf", views.count_notice, name="count_notice_chair"),
    path("cases/", views.cases, name="cases"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("inbox/", views.inbox, name="inbox"),
    path("notices/", views.notices, name="notices"),
    path("account/two-factor/", views.two_factor, name="two_factor"),
    path("account/two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/set-up/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("account/two-factor/turn-off/", views.two_factor_off, name="two_factor_off"),
]
