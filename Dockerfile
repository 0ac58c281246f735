# One image for every ipndht process; the command picks the service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    IPNDHT_LOG_FORMAT=json \
    IPNDHT_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY gen ./gen
COPY services ./services
COPY clients ./clients
RUN pip install --no-cache-dir . \
    && useradd --system --home /data ipndht \
    && mkdir -p /data /keys && chown ipndht /data /keys

USER ipndht
VOLUME ["/data"]
EXPOSE 50051 50052 50053 8468/udp 8469/udp 8470/udp 9101 9102 9103
CMD ["python", "-m", "services.discovery"]
