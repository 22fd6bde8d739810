FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=collections_portal.settings.production

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic imports the settings, which need these variables; it opens no database connection, so the
# URL names none that exists, and the keys are throwaway values made for this step. The real ones come
# from the environment at run time.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build DATABASE_URL=postgres://build@build-only/build \
    PII_ENCRYPTION_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    PII_HASH_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --system --uid 1000 portal && mkdir -p /app/var && chown -R portal /app/var
# By number, so that a cluster's "must run as non-root" check can tell without reading /etc/passwd.
USER 1000
EXPOSE 8000
CMD ["gunicorn", "collections_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
