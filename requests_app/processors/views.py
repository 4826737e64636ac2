"""The signed callback by which a recipient confirms it acted on a notice (machine to machine)."""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from requests_app.processors import services as processors


@csrf_exempt  # authenticated by the HMAC signature instead of a browser session
@require_POST
def processor_confirm(request):
    try:
        processors.processor_confirmation_receive(
            body=request.body, signature_header=request.headers.get(processors.SIGNATURE_HEADER, "")
        )
    except processors.ProcessorError as exc:
        return JsonResponse({"error": exc.code}, status=exc.status)
    return HttpResponse(status=204)
