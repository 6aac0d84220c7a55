FROM python:3.11-slim
WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY scripts ./scripts
RUN python -m venv /venv && sh scripts/install-torch.sh /venv/bin/pip
COPY service ./service
COPY matching ./matching
COPY indexes ./indexes
COPY bench ./bench
RUN /venv/bin/pip install .
ENV PATH=/venv/bin:$PATH RENGANG_VAR_DIR=/data RENGANG_HOST=0.0.0.0
EXPOSE 8000
CMD ["sh", "-c", "rengang db upgrade && rengang seed && rengang serve"]
