# yuqing: one image for web, worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production YUQING_HOME=/var/lib/yuqing

# CJK fonts for the digest's charts; libpq for PostgreSQL.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /home/yuqing yuqing \
    && mkdir -p /var/lib/yuqing && chown yuqing /var/lib/yuqing

WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY config ./config
COPY crawlers ./crawlers
COPY analysis ./analysis
COPY response ./response
COPY workers ./workers
# The pinned versions: the shipped models only load with the libraries that pickled them.
RUN pip install -c constraints.txt . && DJANGO_SECRET_KEY=build yuqing collectstatic --noinput

USER yuqing
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
