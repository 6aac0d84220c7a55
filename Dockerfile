# rengang: one image for every process, `rengang` is the entrypoint:
#   docker run IMAGE serve --workers 4          API replicas (the default command: serve)
#   docker run IMAGE worker                     an embedding worker
#   docker run IMAGE db upgrade | keys create --role admin | index rebuild | ...
# CPU-only torch (scripts/install-torch.sh, as `make install` does), so no CUDA packages are pulled.
# For a GPU worker, build from a CUDA base and install torch 2.13.0's CUDA wheel instead.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY scripts/install-torch.sh ./scripts/
RUN python -m venv /venv && sh scripts/install-torch.sh /venv/bin/pip
COPY pyproject.toml README.md ./
COPY service ./service
COPY matching ./matching
COPY indexes ./indexes
COPY bench ./bench
RUN /venv/bin/pip install . && /venv/bin/pip show torch | grep -q '^Version: 2\.13\.0'

FROM python:3.11-slim
# Named volumes mounted on /data/models and /data/indexes take these folders' owner, so the
# non-root user can write the converted model and the index snapshots there.
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin rengang \
    && mkdir -p /data/models /data/indexes && chown -R rengang:rengang /data
COPY --from=build /venv /venv
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    RENGANG_VAR_DIR=/data RENGANG_HOST=0.0.0.0
USER rengang
WORKDIR /data
EXPOSE 8000
ENTRYPOINT ["rengang"]
CMD ["serve"]
