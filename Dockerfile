# syntax=docker/dockerfile:1
# Build stage: wheels for the project and its dependencies, with compilers available.
FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Dependencies first, from the hashed runtime lock (its own layer, cached until the lock
# changes); then the project itself without resolving anything again.
COPY requirements/runtime.txt ./requirements/runtime.txt
RUN python -m venv /opt/aurentia \
 && /opt/aurentia/bin/pip install --require-hashes -r requirements/runtime.txt
COPY pyproject.toml README.md LICENSE ./
COPY protocol ./protocol
COPY store ./store
COPY server ./server
RUN /opt/aurentia/bin/pip install --no-deps --no-build-isolation . \
 && /opt/aurentia/bin/pip check

# Runtime stage: only the virtual environment, run as an unprivileged user.
FROM python:3.12-slim
ENV PATH=/opt/aurentia/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/aurentia.db \
    HOST=0.0.0.0 \
    PORT=8080
RUN groupadd --system aurentia && useradd --system --gid aurentia --home /data aurentia \
 && mkdir -p /data && chown aurentia:aurentia /data
COPY --from=build /opt/aurentia /opt/aurentia
USER aurentia
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8080')}/healthz\", timeout=2)"]
ENTRYPOINT ["aurentia"]
CMD ["serve", "--host", "0.0.0.0"]
