#!/bin/sh
# Debian packages the test suite needs: Chromium (browser tests), LibreOffice Writer and poppler
# (rendering generated reports to PDF/PNG), CJK fonts (so rendered Chinese is real text, not boxes).
# Installs only what is missing; needs root (or password-less sudo) and Debian's package registry.
set -eu
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v soffice >/dev/null 2>&1 || need="$need libreoffice-writer-nogui"
command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"
[ -d /usr/share/fonts/opentype/noto ] || need="$need fonts-noto-cjk"
if [ -z "$need" ]; then
  exit 0
fi
echo "installing Debian packages:$need"
if [ "$(id -u)" = "0" ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "cannot install$need: not root and no password-less sudo. Install them, or set TAIZHANG_SKIP_BROWSER=1." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
