# gofix-leaks in an image, for runners that prefer one to a Rust build:
#
#   docker build -t gofix-leaks .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/src" gofix-leaks ./...
#
# (--user: --write and --apply then create files and refs as you, not as
# the image's user.) The builder is Alpine, whose Rust targets musl and
# links statically, so the binary needs no libc; the final image adds git
# for the repository work a bot does around the tool (the tool itself reads
# git through libgit2, compiled in).

FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /build
# Only what the crate needs (Cargo.toml's include list): the tests and
# fixtures stay out of the build context's layers.
COPY Cargo.toml Cargo.lock build.rs ./
COPY src src
COPY rules rules
COPY grammars/tree-sitter-go/src grammars/tree-sitter-go/src
RUN cargo build --release --locked \
    && strip target/release/gofix-leaks \
    # Static: no shared library named in the binary.
    && ! readelf -d target/release/gofix-leaks | grep -q NEEDED \
    && target/release/gofix-leaks --version

FROM alpine:3
RUN apk add --no-cache git \
    && adduser -D -u 10001 gofix \
    # A mounted checkout belongs to another uid; git and libgit2 refuse such
    # a repository ("dubious ownership") unless it is marked safe.
    && git config --system --add safe.directory '*'
COPY --from=build /build/target/release/gofix-leaks /usr/local/bin/gofix-leaks
COPY LICENSE README.md CHANGELOG.md /usr/share/doc/gofix-leaks/
COPY grammars/tree-sitter-go/LICENSE /usr/share/doc/gofix-leaks/tree-sitter-go.LICENSE
USER gofix
WORKDIR /src
ENTRYPOINT ["gofix-leaks"]
