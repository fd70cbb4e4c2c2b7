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
    path("inbox/", views.inbox, name="inbox"),
    path("notices/", views.notices, name="notices"),
]
