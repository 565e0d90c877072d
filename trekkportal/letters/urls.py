from django.urls import path

from . import views

app_name = "letters"
urlpatterns = [
    path("brev/<int:pk>/last-ned/", views.download, name="download"),
]
