FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CLEARANALYTICS_DATA_DIR=/data

WORKDIR /src
COPY pyproject.toml README.md ./
COPY clearanalytics ./clearanalytics
COPY static ./static
COPY templates ./templates
# Extras for the scaled-out set-up (deploy/docker-compose.yml): EXTRAS="[clickhouse,postgres]".
ARG EXTRAS=""
RUN pip install --no-cache-dir ".${EXTRAS}" && rm -rf /src

RUN useradd --system --uid 10001 --home-dir /data clearanalytics \
    && mkdir -p /data && chown clearanalytics /data
USER clearanalytics
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

CMD ["clearanalytics", "serve", "--host", "0.0.0.0", "--port", "8000"]
