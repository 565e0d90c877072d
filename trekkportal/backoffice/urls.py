"""Every back-office URL, under /kontor/."""

from django.urls import path

from . import views

app_name = "backoffice"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("oversikt.csv", views.overview_export, {"fmt": "csv"}, name="overview_csv"),
    path("oversikt.xlsx", views.overview_export, {"fmt": "xlsx"}, name="overview_xlsx"),
    path("bedrift/<int:pk>/", views.company, name="company"),
    path("bedrift/<int:pk>/tilgang/", views.company_grant, name="company_grant"),
    path(
        "bedrift/<int:pk>/tilgang/<int:user_pk>/fjern/",
        views.company_revoke,
        name="company_revoke",
    ),
    path("bedrift/<int:pk>/ny-bruker/", views.company_new_user, name="company_new_user"),
    path(
        "bedrift/<int:pk>/bruker/<int:user_pk>/aktivering/",
        views.company_invite,
        name="company_invite",
    ),
    path("bedrift/<int:pk>/brev/", views.company_letter, name="company_letter"),
    path("fil/<int:pk>/", views.file_download, name="file_download"),
    path("brev/", views.letters, name="letters"),
    path("brev/publiser/", views.letters_publish, name="letters_publish"),
    path("brev/skriv/", views.letters_run, name="letters_run"),
    path("brev/bunke/<int:pk>/", views.letters_batch, name="letters_batch"),
    path(
        "brev/bunke/<int:pk>/publiser/",
        views.letters_batch_publish,
        name="letters_batch_publish",
    ),
    path(
        "brev/bunke/<int:pk>/forkast/",
        views.letters_batch_discard,
        name="letters_batch_discard",
    ),
    path("brev/<int:pk>/", views.letter_preview, name="letter_preview"),
    path("manglende/", views.missing, name="missing"),
    path("manglende/<int:pk>/purring/", views.missing_remind, name="missing_remind"),
    path("medlemmer/", views.members, name="members"),
    path("medlemmer/<int:pk>/", views.member, name="member"),
    path("medlemmer/import/", views.member_import, name="member_import"),
    path("medlemmer/import/bekreft/", views.member_import_confirm, name="member_import_confirm"),
    path("umatchede/", views.unmatched, name="unmatched"),
    path("umatchede/<int:pk>/flytt/", views.unmatched_move, name="unmatched_move"),
    path(
        "umatchede/<int:pk>/ikke-medlem/", views.unmatched_not_member, name="unmatched_not_member"
    ),
    path("umatchede/<int:pk>/avvis/", views.unmatched_dismiss, name="unmatched_dismiss"),
    path("svar/", views.answers, name="answers"),
    path("svar/<int:pk>/fulgt-opp/", views.answer_handled, name="answer_handled"),
    path("logg/", views.audit_log, name="audit"),
    path("logg.csv", views.audit_export, name="audit_export"),
    path("taushetserklaering/", views.nda, name="nda"),
]
