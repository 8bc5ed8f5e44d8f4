FROM python:3.11-slim-bookworm@sha256:528257d48c1da0dcecc2e725d1ae34498d60c965f1241e39cd6a85a8859bdf84 AS builder
RUN apt-get update && apt-get install -y --no-install-recommends build-essential
RUN python -m venv /opt/venv

FROM python:3.11-slim-bookworm@sha256:528257d48c1da0dcecc2e725d1ae34498d60c965f1241e39cd6a85a8859bdf84
ENV PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH
COPY --from=builder /opt/venv /opt/venv
USER 10001:10001
ENTRYPOINT ["python", "-m", "sample"]
