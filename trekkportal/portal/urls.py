from django.urls import path

from trekkportal.reconciliation import views as reconciliation_views

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("brev/", views.brev, name="brev"),
    # The tab keeps its name; the page is the reconciliation app's.
    path("utrukne/", reconciliation_views.utrukne, name="utrukne"),
    path("bytt-bedrift/", views.switch, name="switch_company"),
]
