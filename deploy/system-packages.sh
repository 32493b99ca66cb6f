#!/usr/bin/env bash
# Installs the Debian packages nianbao needs beyond Python (called by `make` before demo, test and bench).
# Idempotent: only missing packages are installed, so the second run costs a dpkg query.
set -euo pipefail

PACKAGES=(
  libreoffice-writer-nogui   # DOC and WPS → DOCX, and DOCX → PDF in the test fixtures
  fonts-noto-cjk             # Chinese glyphs for rendered PDFs, scans and screenshots
  chromium                   # headless browser: the digest layout test and the dashboard browser tests
  chromium-driver            # its WebDriver (Debian ships it separately); Playwright drives /usr/bin/chromium
  postgresql                 # the production database; the store tests start a private server on 127.0.0.1
  systemd                    # systemd-analyze: the deploy test verifies deploy/nianbao.service
  docker-compose             # `docker-compose config`: the deploy test validates deploy/compose.yaml (no engine needed)
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "nianbao: missing system packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 0
fi
echo "nianbao: installing system packages: ${missing[*]}" >&2
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
