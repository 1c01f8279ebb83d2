"""URLs of bench/bench_http.py's server: Jifen's own, plus ``POST /bench/bare``, the baseline, a JSON
view that does nothing (no database, no parsing). Bench only: never in production's URLs."""

from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request):
    return JsonResponse({"results": []})


urlpatterns = [path("bench/bare", bare), path("", include("jifen.urls"))]
