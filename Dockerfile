# RunAgent Pulse: one image for both services (the scheduler and the webhook handler).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . \
    && rm -rf /app/src \
    && useradd --create-home --uid 1000 --user-group pulse \
    && mkdir -p /app/pulse-data /app/webhook-results \
    && chown -R pulse:pulse /app

# The database lives in the volume mounted at /app/pulse-data (see docker-compose.yml).
ENV PULSE_DATABASE_URL=sqlite+aiosqlite:////app/pulse-data/pulse.db

USER pulse

# 8000: pulse serve (API); 3001: pulse webhook-handler (same image, other command).
EXPOSE 8000 3001

CMD ["pulse", "serve"]
