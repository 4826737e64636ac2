"""The floor any intake costs: validate a six-field form and insert one row (served only with BENCH_ENDPOINTS)."""

from django import forms
from django.db import connection
from django.http import HttpResponse, HttpResponseBadRequest

FLOOR_TABLE = "bench_intake_floor"


class FloorForm(forms.Form):
    first_name = forms.CharField(max_length=80)
    last_name = forms.CharField(max_length=80)
    email = forms.EmailField()
    phone = forms.CharField(max_length=40, required=False)
    zip_code = forms.CharField(max_length=12)
    kind = forms.CharField(max_length=20)


def floor(request):
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
