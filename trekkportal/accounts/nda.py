"""The non-disclosure agreement (taushetserklæring): the seed text and the read side.

Every portal page, download and API call needs the current version accepted
(docs/security.md C6); ``NdaRequiredMiddleware`` and ``company_required`` both ask
``nda_accepted(request)``, which costs one query per request at most, and answer with
``redirect_to_nda(request)``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from .models import NdaAcceptance, NdaVersion

NDA_SESSION_KEY = "nda_accepted_version"

# The union's text, word for word from the user guide (seed), with its references.
SEED_TEXT = """\
Som mottaker av epost og brev fra Industri Energi som omhandler informasjon om våre \
medlemmer, tillitsvalgte og medlemsbedrifter, kan du få tilgang til sensitive \
opplysninger om disse. Jeg forplikter meg til ikke å bruke, åpenbare, utlevere eller på \
annen måte gjøre tilgjengelig for uvedkommende denne informasjon.

Jeg vil også vise aktsomhet i omtale av andre forhold som jeg blir kjent med eller \
erfarer i arbeidet mitt.

Jeg har lest de lovbestemmelser som er anført i denne erklæring. Jeg er dermed klar over \
straffelovens kapittel 21 samt markedsføringslovens § 28 og § 29. Jeg er kjent med at \
brudd på disse bestemmelsene kan medføre straffeansvar.

Jeg er også klar over at denne taushetserklæringen gjelder etter opphør av \
ansettelsesforholdet.

Referanser:
Straffeloven kapittel 21:
https://lovdata.no/dokument/NL/lov/2005-05-20-28/KAPITTEL_2-6

Markedsføringslovens §§ 28 og 29:
https://lovdata.no/dokument/NL/lov/2009-01-09-2/KAPITTEL_6#§28
https://lovdata.no/dokument/NL/lov/2009-01-09-2/KAPITTEL_6#§29
"""


def current_nda_version() -> NdaVersion:
    """The newest published version. Fails closed: with none in the database (a flushed
    test database, say) the seed text becomes version 1 rather than nothing being asked."""
    version = NdaVersion.objects.filter(published_at__lte=timezone.now()).first()
    if version is None:
        version, _ = NdaVersion.objects.get_or_create(version=1, defaults={"text": SEED_TEXT})
    return version


def nda_accepted(request: HttpRequest) -> bool:
    """Has the logged-in user accepted the current version? Memoised per request; the
    accepted version is remembered in the session so that usually one query suffices."""
    if not hasattr(request, "_nda_accepted"):
        version = current_nda_version()
        request._nda_version = version
        accepted = request.session.get(NDA_SESSION_KEY) == version.pk
        if not accepted:
            accepted = NdaAcceptance.objects.filter(user=request.user, version=version).exists()
            if accepted:
                request.session[NDA_SESSION_KEY] = version.pk
        request._nda_accepted = accepted
    return request._nda_accepted


def redirect_to_nda(request: HttpRequest) -> HttpResponseRedirect:
    """To the NDA page, coming back to this page once accepted."""
    return redirect(f"{reverse('nda')}?{urlencode({'next': request.get_full_path()})}")
