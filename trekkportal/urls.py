from django.contrib import admin
from django.urls import include, path

from trekkportal.accounts.admin_security import secure_admin
from trekkportal.portal.errors import request_too_large
from trekkportal.portal.i18n import set_language
from trekkportal.portal.views import favicon, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),  # load balancers (no data, no version)
    path("favicon.ico", favicon, name="favicon"),  # browsers ask for it: the SVG icon
    path("for-stor/", request_too_large, name="request_too_large"),  # nginx's 413 page
    # login, logout, activation, forgotten password, NDA, staff TOTP (issue "Accounts")
    path("", include("trekkportal.accounts.urls")),
    path("sprak/", set_language, name="set_language"),
    path("admin/", secure_admin(admin.site).urls),
    path("", include("trekkportal.portal.urls")),
    path("", include("trekkportal.submissions.urls")),
    path("", include("trekkportal.reconciliation.urls")),
    path("", include("trekkportal.letters.urls")),
    path("kontor/", include("trekkportal.backoffice.urls")),
]

handler400 = "trekkportal.portal.errors.bad_request"
handler403 = "trekkportal.portal.errors.permission_denied"
handler404 = "trekkportal.portal.errors.page_not_found"
handler500 = "trekkportal.portal.errors.server_error"
