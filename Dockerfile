# Build: a static binary (no cgo: the SQLite driver is pure Go).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" -o /out/disputes ./cmd/disputes
RUN mkdir -m 0750 /out/data

# Run: distroless, no shell, as an unprivileged user.
FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /home/nonroot
COPY --from=build /out/disputes /usr/local/bin/disputes
# ./data (the embedded database, and the evidence files in data/blobs unless
# DISPUTES_BLOB_URL says otherwise) belongs to nonroot (uid and gid 65532),
# so that a volume mounted there starts with that owner and is writable.
COPY --from=build --chown=65532:65532 /out/data /home/nonroot/data
USER nonroot:nonroot
ENV DISPUTES_ADDR=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/disputes"]
CMD ["serve"]
