# podium in a container: built with the Rust toolchain, run on a slim Debian.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin podium

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/podium --create-home podium
COPY --from=build /src/target/release/podium /usr/local/bin/podium
USER podium
WORKDIR /var/lib/podium
ENV PODIUM_BIND=0.0.0.0:8080 MALLOC_ARENA_MAX=2
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
ENTRYPOINT ["podium"]
CMD ["serve"]
