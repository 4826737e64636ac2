"""The floor any intake costs: validate a six-field form and insert one row (served only with BENCH_ENDPOINTS).

`floor` inserts through the ORM, as any Django view would; `floor_raw` through a bare cursor, the lower
bound of all (bench/intake.py reports the portal against both).
"""

from django import forms
from django.db import connection
from django.http import HttpResponse, HttpResponseBadRequest

from requests_app.models import Submission

FLOOR_TABLE = "bench_intake_floor"


class FloorForm(forms.Form):
    first_name = forms.CharField(max_length=80)
    last_name = forms.CharField(max_length=80)
    email = forms.EmailField()
    phone = forms.CharField(max_length=20, required=False)
    zip_code = forms.CharField(max_length=5)
    kind = forms.CharField(max_length=20)


def floor(request):
    form = FloorForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("invalid")
    d = form.cleaned_data
    Submission.objects.create(
        first_name=d["first_name"],
        last_name=d["last_name"],
        email=d["email"],
        phone=d["phone"],
        zip5=d["zip_code"],
        channel="web",
    )
    return HttpResponse("ok")


def floor_raw(request):
    form = FloorForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("invalid")
    d = form.cleaned_data
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FLOOR_TABLE} (first_name, last_name, email, phone, zip_code, kind) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [d["first_name"], d["last_name"], d["email"], d["phone"], d["zip_code"], d["kind"]],
        )
    return HttpResponse("ok")
