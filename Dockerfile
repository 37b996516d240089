# yuqing: one image for web (gunicorn), worker, crawler and beat.
#
# BASE_IMAGE: the official Python image by default. Any Debian bookworm image works too (a closed
# network builds one with debootstrap, see docs/deploy.md): Python then comes from Debian, whose
# bookworm python3 is 3.11, the version the shipped models were pickled with.
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    DJANGO_SETTINGS_MODULE=config.settings.production YUQING_HOME=/var/lib/yuqing \
    YUQING_STATIC_ROOT=/opt/yuqing/static \
    VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH

# CJK fonts for the digest's charts and the PDF reports; Pango for WeasyPrint (PDF); libpq for
# PostgreSQL. A base image without Python gets Debian's. The app lives in its own venv either way,
# so Debian's python3 packages are never touched by pip.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates fonts-noto-cjk libpq5 \
        libpango-1.0-0 libpangoft2-1.0-0 \
    && { command -v python3 >/dev/null || apt-get install -y --no-install-recommends python3 python3-venv; } \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
    && python3 -m venv /opt/venv \
    && useradd --system --create-home --home-dir /home/yuqing yuqing \
    && mkdir -p /var/lib/yuqing /opt/yuqing && chown yuqing /var/lib/yuqing

# Where pip finds packages: PyPI unless the build says otherwise. A closed network passes its own
# index (PIP_INDEX_URL / PIP_EXTRA_INDEX_URL / PIP_FIND_LINKS / PIP_TRUSTED_HOST) and, when HTTPS goes
# through an inspecting proxy, PIP_CERT_URL: the proxy's CA bundle, fetched for the pip steps and
# deleted in the same step, so it never lands in a layer. Unset arguments are unset for pip.
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ARG PIP_FIND_LINKS
ARG PIP_TRUSTED_HOST
ARG PIP_CERT_URL

WORKDIR /app
# Dependencies first, in their own layer: a code change does not reinstall scikit-learn. The pinned
# versions: the shipped models only load with the libraries that pickled them.
COPY pyproject.toml constraints.txt ./
RUN set -e; \
    if [ -n "${PIP_CERT_URL:-}" ]; then \
        python3 -c 'import sys, urllib.request; open("/tmp/pip-ca.pem", "wb").write(urllib.request.urlopen(sys.argv[1]).read())' "$PIP_CERT_URL"; \
        export PIP_CERT=/tmp/pip-ca.pem; \
    fi; \
    python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > /tmp/requirements.txt; \
    pip install -c constraints.txt -r /tmp/requirements.txt "setuptools>=77" wheel; \
    rm -f /tmp/pip-ca.pem /tmp/requirements.txt

COPY README.md ./
COPY config ./config
COPY crawlers ./crawlers
COPY analysis ./analysis
COPY response ./response
COPY workers ./workers
# Every dependency is already in place: install the project itself, offline, with the build backend
# installed above.
RUN pip install --no-deps --no-index --no-build-isolation . \
    && DJANGO_SECRET_KEY=build yuqing collectstatic --noinput

USER yuqing
# matplotlib's font list (the CJK fonts included), built once here instead of in every container.
RUN python -c "import matplotlib.font_manager"
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
