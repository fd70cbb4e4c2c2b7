from django.urls import path

from elections import views

app_name = "elections"

urlpatterns = [
    path("", views.election_list, name="list"),
    path("elections/<slug:slug>/", views.election_detail, name="detail"),
    path("elections/<slug:slug>/contests/<int:pk>/", views.contest_detail, name="contest"),
]
