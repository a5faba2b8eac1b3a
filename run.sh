#!/usr/bin/env bash
# Installs what is missing (nothing beyond the .NET SDK for the SQLite default), builds
# Faultline and runs it on the embedded SQLite database, listening on :8080 (FAULTLINE_ADDR).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v dotnet >/dev/null 2>&1; then
  echo "Installing the .NET 10 SDK from Debian packages" >&2
  apt-get update -qq && apt-get install -y -qq dotnet-sdk-10.0
fi
dotnet publish Faultline.Web -c Release -o .publish --nologo -v quiet
exec ./.publish/faultline serve "$@"
