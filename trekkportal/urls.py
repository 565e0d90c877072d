from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path(
        "logg-inn/",
        auth_views.LoginView.as_view(template_name="accounts/login.html"),
        name="login",
    ),
    path("logg-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("sprak/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("trekkportal.portal.urls")),
]

handler400 = "trekkportal.portal.errors.bad_request"
handler403 = "trekkportal.portal.errors.permission_denied"
handler404 = "trekkportal.portal.errors.page_not_found"
handler500 = "trekkportal.portal.errors.server_error"
