from django.http import HttpResponse

from jifen.org.permissions import Perm, require_perm


@require_perm(Perm.ROSTER_IMPORT)
def upload(request):
    return HttpResponse("import")


@require_perm(Perm.ROSTER_IMPORT)
def review(request, token):
    return HttpResponse("review")


@require_perm(Perm.ROSTER_IMPORT)
def template(request, fmt):
    return HttpResponse("template")
