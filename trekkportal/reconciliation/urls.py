from django.urls import path

from . import views

app_name = "reconciliation"
urlpatterns = [
    path("utrukne/<int:pk>/svar/", views.answer, name="answer"),
]
