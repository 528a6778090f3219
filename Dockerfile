# syntax=docker/dockerfile:1
# Image of the helpdesk service.  Build: docker build -t helpdesk .
# Run (SQLite in the volume): docker run -p 8080:8080 -v helpdesk-data:/app/data helpdesk

# --- build -------------------------------------------------------------------------------
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# SQLite and libpq are compiled from source by cargo features (a C compiler is in this image).
# The cache mounts keep downloaded crates and compiled dependencies between builds (BuildKit);
# target/ is a cache, so the binary is copied out of it within the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
 && cp target/release/helpdesk /usr/local/bin/helpdesk

# --- runtime -----------------------------------------------------------------------------
FROM debian:bookworm-slim
# ca-certificates for smtps:// and TLS peers; curl only for the HEALTHCHECK below.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
# Fixed uid/gid 10001: a host folder bind-mounted on /app/data must be writable by it.
RUN groupadd --system --gid 10001 helpdesk \
 && useradd --system --uid 10001 --gid helpdesk --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin helpdesk
WORKDIR /app
COPY --from=build /usr/local/bin/helpdesk /usr/local/bin/helpdesk
# Settings are read from ./config (default.toml, then $HELPDESK_ENV.toml, then HELPDESK__* variables).
COPY config/ ./config/
# data/ holds the SQLite file, the generated JWT secret and initial-admin-password.txt.
# Created and chowned before VOLUME so that a new named volume starts owned by helpdesk.
RUN mkdir data && chown helpdesk:helpdesk data
# production.toml makes it listen on 0.0.0.0; info level so the startup messages
# (applied migrations, where the initial admin password was written) reach `docker logs`.
ENV HELPDESK_ENV=production \
    RUST_LOG=info
USER helpdesk
EXPOSE 8080
VOLUME ["/app/data"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${HELPDESK__SERVER__PORT:-8080}/health" >/dev/null || exit 1
ENTRYPOINT ["helpdesk"]
CMD ["serve"]
