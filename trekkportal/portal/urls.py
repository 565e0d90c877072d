from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("brev/", views.brev, name="brev"),
    path("utrukne/", views.utrukne, name="utrukne"),
    path("bytt-bedrift/", views.switch, name="switch_company"),
]
