"""Every submissions URL: the form, its receipt, the list of the last year and the list
template. Each app brings its own ``urls.py`` with its own namespace."""

from django.urls import path

from . import template_views, views

app_name = "submissions"
urlpatterns = [
    path("innsending/", views.innsending, name="innsending"),
    path("innsending/<int:pk>/kvittering/", views.receipt, name="receipt"),
    path("innsending/<int:pk>/status/", views.receipt_status, name="receipt_status"),
    path(
        "innsending/<int:pk>/filer/<int:file_pk>/kolonner/",
        views.choose_columns,
        name="choose_columns",
    ),
    path("innsendte/", views.innsendte, name="innsendte"),
    path("mal/trekkliste.xlsx", template_views.download_template, name="list_template"),
]
