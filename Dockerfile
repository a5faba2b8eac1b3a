# Faultline container image: multi-stage build on the official .NET images, non-root, data in /data.
# Not buildable on the development machine (no Docker engine there); kept deliberately small.
#
#   docker build -t faultline .
#   docker run -d --name faultline -p 8080:8080 -v faultline-data:/data \
#     -e FAULTLINE_PROJECTS='1:0123456789abcdef0123456789abcdef' faultline
#   docker stop -t 60 faultline      # graceful: in-flight batches finish (see docs/OPERATIONS.md)
#
# Configuration (all optional; see README and docs/OPERATIONS.md):
#   FAULTLINE_ADDR                   listen address                          (:8080)
#   FAULTLINE_DATA_DIR               pid/lock files, SQLite default          (/data)
#   FAULTLINE_DSN                    sqlite:/path or a MySQL-wire DSN        (sqlite:/data/faultline.db)
#   FAULTLINE_PROJECTS               seed projects "id:key[:rig],..."
#   FAULTLINE_API_URL                base URL used in DSNs and links        (http://localhost:8080)
#   FAULTLINE_RATE_LIMIT             events/s per project                   (100)
#   FAULTLINE_SCRUB_PII              scrub PII before storing               (true)
#   FAULTLINE_UPTIME_INTERVAL_SECS   active uptime checks, 0 = off          (60)
#   FAULTLINE_UPTIME_TIMEOUT_SECS    timeout of one check                   (5)
#   FAULTLINE_UPTIME_CONCURRENCY     checks at once                         (4)
#   FAULTLINE_HEARTBEAT_CHECK_SECS   heartbeat staleness evaluation         (30)
#   FAULTLINE_QUEUE_WARN / _CRIT     /_health queue thresholds, fraction or count (0.5 / 0.9)
#   FAULTLINE_SELFMON_KEY            project for Faultline's own errors, off = disabled (first project)
#   FAULTLINE_SHUTDOWN_TIMEOUT_SECS  bound of a graceful stop               (45)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# nuget.config also names the development machine's local package folder; an empty one keeps restore happy.
RUN mkdir -p /opt/nuget/packages
RUN dotnet publish Faultline.Web -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
RUN mkdir -p /data && chown 10001:10001 /data
USER 10001
ENV FAULTLINE_ADDR=:8080 \
    FAULTLINE_DATA_DIR=/data \
    FAULTLINE_DSN=sqlite:/data/faultline.db
VOLUME /data
EXPOSE 8080
# SIGTERM (docker stop) triggers the graceful shutdown.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/app/faultline", "healthcheck"]
ENTRYPOINT ["/app/faultline", "serve"]
