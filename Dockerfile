# The Distrofile frontend image. Release builds (multi-arch):
#   docker buildx build --platform linux/amd64,linux/arm64 --push -t ghcr.io/<org>/distrofile:1 .
# Local builds that cannot pull base images use hack/frontend-image, which
# feeds this file's last stage with binaries built on the host.
ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
ARG TARGETOS TARGETARCH
ENV CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH
RUN --mount=type=bind,target=. --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod \
    mkdir -p /out/bin /out/usr/libexec && \
    go build -trimpath -ldflags='-s -w -buildid=' -o /out/bin/distrofile-frontend ./cmd/distrofile-frontend && \
    go build -trimpath -ldflags='-s -w -buildid=' -o /out/usr/libexec/distrofile-extract ./cmd/distrofile-extract

FROM scratch AS release
COPY --from=build /out/bin/distrofile-frontend /bin/distrofile-frontend
COPY --from=build /out/usr/libexec/distrofile-extract /usr/libexec/distrofile-extract
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/bin/distrofile-frontend"]
