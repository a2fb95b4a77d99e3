# The Distrofile frontend image. Release builds (multi-arch):
#   docker buildx build --platform linux/amd64,linux/arm64 \
#     --output type=image,name=ghcr.io/<org>/distrofile:1,push=true,compression=zstd,force-compression=true,oci-mediatypes=true .
# (zstd layers: every cold build pulls the frontend, and unpacks zstd several
# times faster than gzip.)
# Local builds that cannot pull base images use hack/frontend-image, which
# feeds this file's last stage with binaries built on the host.
ARG GO_VERSION=1.26

# The frontend: pure Go, cross-compiled on the build platform.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
ARG TARGETOS TARGETARCH
ENV CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH
RUN --mount=type=bind,target=. --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod \
    mkdir -p /out/bin && \
    go build -trimpath -ldflags='-s -w -buildid=' -o /out/bin/distrofile-frontend ./cmd/distrofile-frontend

# The extraction helper links liblzma and libc statically through cgo
# (hack/build-helper), so it needs a C toolchain, liblzma.a and libc.a for
# the target platform. This stage runs on the target platform (emulated
# for a foreign one): the golang image has gcc and libc6-dev, and apt adds
# the target's liblzma-dev (5.8 on trixie: hack/liblzma then has nothing to
# build). That is simpler than a cross gcc with foreign -dev packages; the
# helper is small, so emulation costs little.
FROM golang:${GO_VERSION} AS helper
RUN apt-get update && apt-get install -y --no-install-recommends liblzma-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
RUN --mount=type=bind,target=. --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod \
    mkdir -p /out/usr/libexec && \
    hack/build-helper /out/usr/libexec/distrofile-extract

FROM scratch AS release
COPY --from=build /out/bin/distrofile-frontend /bin/distrofile-frontend
COPY --from=helper /out/usr/libexec/distrofile-extract /usr/libexec/distrofile-extract
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/bin/distrofile-frontend"]
