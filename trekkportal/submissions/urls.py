from django.urls import path

from . import views

app_name = "submissions"
urlpatterns = [
    path("innsending/<int:pk>/kvittering/", views.receipt, name="receipt"),
    path("innsending/<int:pk>/status/", views.receipt_status, name="receipt_status"),
    path(
        "innsending/<int:pk>/filer/<int:file_pk>/kolonner/",
        views.choose_columns,
        name="choose_columns",
    ),
]
