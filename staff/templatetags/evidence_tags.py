"""Each evidence panel of the staff request page loads its own data here (staff/panels.py)."""

from django import template

from staff import evidence

register = template.Library()


@register.simple_tag
def request_match_candidates(privacy_request):
    return evidence.request_match_candidates(request=privacy_request)


@register.simple_tag
def request_declarations(privacy_request):
    return evidence.request_declarations(request=privacy_request)


@register.simple_tag
def request_agent_authorization(privacy_request):
    return evidence.request_agent_authorization(request=privacy_request)


@register.simple_tag
def request_processor_notices(privacy_request):
    return evidence.request_processor_notices(request=privacy_request)


@register.simple_tag
def request_correction(privacy_request):
    return evidence.request_correction(request=privacy_request)


@register.simple_tag
def request_system_runs(privacy_request):
    return evidence.request_system_runs(request=privacy_request)
