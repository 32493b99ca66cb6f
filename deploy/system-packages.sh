#!/usr/bin/env bash
# Installs the Debian packages nianbao needs beyond Python (called by `make`): `system-packages.sh demo` what
# checking and crawling need (make demo, make bench), `system-packages.sh test` (the default) also what only the
# tests need (make test, CI). Idempotent and silent when nothing is missing: the second run costs a dpkg query.
set -euo pipefail

# Checking and crawling; the Docker image installs these too (deploy/Dockerfile).
PACKAGES=(
  libreoffice-writer-nogui   # DOC and WPS → DOCX, and DOCX → PDF in the test fixtures
  fonts-noto-cjk             # Chinese glyphs for rendered PDFs, scans and screenshots
)

# Only the tests.
TEST_PACKAGES=(
  chromium                   # headless browser: the digest layout test and the dashboard browser tests
  chromium-driver            # its WebDriver (Debian ships it separately); Playwright drives /usr/bin/chromium
  postgresql                 # the production database; the store tests start a private server on 127.0.0.1
  systemd                    # systemd-analyze: the deploy test verifies deploy/nianbao.service
  docker-compose             # `docker-compose config`: the deploy test validates deploy/compose.yaml (no engine needed)
)

case "${1:-test}" in
  demo) wanted=("${PACKAGES[@]}") ;;
  test) wanted=("${PACKAGES[@]}" "${TEST_PACKAGES[@]}") ;;
  *) echo "usage: $0 [demo|test]" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "nianbao: 缺少系统软件包：${missing[*]}。请用 root 账号运行 apt-get install 安装后再试。" >&2
  exit 0
fi
echo "nianbao: 正在用 apt-get 安装系统软件包（需要几分钟）：${missing[*]}" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
       && "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
     >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "nianbao: 安装系统软件包失败（见上面 apt-get 的输出）：请检查网络和软件源，或用 root 账号手动安装：${missing[*]}" >&2
  exit 1
fi
