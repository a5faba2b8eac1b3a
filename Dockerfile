# Multi-stage build on the official .NET images. Not buildable on the development machine
# (no Docker engine there); kept deliberately small.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish Faultline.Web -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
RUN mkdir -p /data && chown 10001:10001 /data
USER 10001
ENV FAULTLINE_ADDR=:8080 \
    FAULTLINE_DSN=sqlite:/data/faultline.db
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["/app/faultline", "healthcheck"]
ENTRYPOINT ["/app/faultline", "serve"]
