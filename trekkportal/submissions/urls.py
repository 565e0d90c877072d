from django.urls import path

from . import views

app_name = "submissions"
urlpatterns = [
    path("innsending/<int:pk>/kvittering/", views.receipt, name="receipt"),
]
