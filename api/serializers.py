"""The API's shapes. Every response is a serializer here, so that the OpenAPI schema is exact."""

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(child=serializers.JSONField(), required=False)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    actions = serializers.ListField(child=serializers.CharField())
    token_prefix = serializers.CharField()
    token_expires_at = serializers.DateTimeField()
