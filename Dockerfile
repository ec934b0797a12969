# A small image holding only `cargo-brainmig`, to run migrations as a deploy step (an init
# container, a one-off job) against a mounted migrations folder. No cargo, no Rust, no shell.
#
#   docker build -t brainmig .
#   docker run --rm -v "$PWD/migrations:/migrations:ro" \
#       -e DATABASE_URL='postgres://app:secret@db:5432/app' brainmig
#
# The default command is `up --wait --migrations-dir /migrations`: wait (up to 60 s) for the
# database to accept connections, then apply every revision. Pass another command to run it
# instead, e.g. `... brainmig current --migrations-dir /migrations`. README: "In a container".

ARG RUST_VERSION=1.94

# Build: the Rust image, plus what `pg_query` needs to compile PostgreSQL's parser (a C compiler,
# which the image has, and libclang for bindgen).
FROM rust:${RUST_VERSION}-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libclang-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# Cargo.toml names the test and bench targets, so cargo wants their files even for `--bin`.
COPY Cargo.toml Cargo.lock README.md ./
COPY src ./src
COPY templates ./templates
COPY benches ./benches
COPY tests ./tests
ENV CARGO_PROFILE_RELEASE_STRIP=true
RUN cargo build --release --locked --bin cargo-brainmig

# Run: glibc and libgcc only (what the binary links; TLS roots are compiled in), as a non-root user.
# Debian 12 on both sides, so the binary finds the glibc it was built against.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /build/target/release/cargo-brainmig /usr/local/bin/cargo-brainmig
WORKDIR /migrations
ENTRYPOINT ["/usr/local/bin/cargo-brainmig"]
CMD ["up", "--wait", "--migrations-dir", "/migrations"]
