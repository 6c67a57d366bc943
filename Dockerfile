# syntax=docker/dockerfile:1
# podium in a container: built with the Rust toolchain, run on a slim Debian.
#   docker build -t podium .
#   docker run -p 8080:8080 -v podium-data:/var/lib/podium/data podium
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# The registry and target/ are cache mounts: a rebuild after a source change compiles podium
# only, not its ~400 dependencies again (needs BuildKit, the default builder since Docker 23).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin podium \
    && cp target/release/podium /usr/local/bin/podium

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/podium --create-home podium \
    && install -d -o podium -g podium /var/lib/podium/data
COPY --from=build /usr/local/bin/podium /usr/local/bin/podium
USER podium
WORKDIR /var/lib/podium
# SQLite's file and the .eml files (without SMTP_URL) live in the volume; with PostgreSQL
# (DATABASE_URL=postgres://…) the volume only holds mail files, if any.
ENV PODIUM_BIND=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///var/lib/podium/data/podium.db?mode=rwc \
    PODIUM_MAIL_DIR=/var/lib/podium/data/mail-outbox \
    MALLOC_ARENA_MAX=2
VOLUME /var/lib/podium/data
EXPOSE 8080
# `podium healthcheck` asks GET /readyz on PODIUM_BIND's port (the loopback for 0.0.0.0):
# healthy once the database answers. No shell, no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["podium", "healthcheck", "--timeout", "4"]
# podium drains requests for up to 30 s on SIGTERM, then stops its mail worker:
# give `docker stop` more than that (`docker stop -t 45`; compose sets stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["podium"]
CMD ["serve"]
