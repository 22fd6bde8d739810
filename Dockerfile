FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=collections_portal.settings.production

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs a key to import settings; the real one comes from the environment at run time.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput
RUN useradd --system --uid 1000 portal && mkdir -p /app/var && chown -R portal /app/var
USER portal
EXPOSE 8000
CMD ["gunicorn", "collections_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
