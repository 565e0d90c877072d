from django.urls import path

from trekkportal.letters import views as letter_views
from trekkportal.reconciliation import views as reconciliation_views

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("brev/", letter_views.brev, name="brev"),
    # The tabs keep their names; the pages are the letters and reconciliation apps'.
    path("utrukne/", reconciliation_views.utrukne, name="utrukne"),
    path("bytt-bedrift/", views.switch, name="switch_company"),
]
