FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir --upgrade "pip>=25.1" && pip install --no-cache-dir --group runtime
COPY . .
RUN DJANGO_DEBUG=true python manage.py collectstatic --no-input \
    && useradd --system --home /app rakunest && mkdir -p /app/var && chown -R rakunest /app/var
USER rakunest
EXPOSE 8000
CMD ["gunicorn", "rakunest_privacy.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
