#!/bin/sh
# Debian packages the test suite needs: Chromium (browser tests), LibreOffice Writer and Calc and poppler
# (rendering generated reports and ledgers to PDF/PNG), CJK fonts (so rendered Chinese is real text, not boxes).
# Installs only what is missing; needs root (or password-less sudo) and Debian's package registry.
# Also extracts the free Fandol fonts (仿宋/楷体/黑体/宋体 designs, GPL with font exception) from Debian's
# texlive-lang-chinese package into var/fonts, without installing TeX Live: reports.render maps the
# report's 仿宋_GB2312 / 楷体_GB2312 / 黑体 / 宋体 to them when LibreOffice renders a report.
set -eu
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FONT_DIR="$ROOT/var/fonts"
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v soffice >/dev/null 2>&1 || need="$need libreoffice-writer-nogui"
# Calc prints the ledgers (.xlsx) to PDF in the ledger tests; dpkg knows whether it is there.
dpkg -s libreoffice-calc-nogui >/dev/null 2>&1 || need="$need libreoffice-calc-nogui"
command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"
[ -d /usr/share/fonts/opentype/noto ] || need="$need fonts-noto-cjk"
if [ -n "$need" ]; then
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
fi
if [ ! -f "$FONT_DIR/FandolFang-Regular.otf" ]; then
  echo "extracting Fandol fonts into $FONT_DIR"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  if (cd "$tmp" && apt-get download -qq texlive-lang-chinese >/dev/null 2>&1); then
    mkdir -p "$FONT_DIR" "$tmp/x"
    dpkg-deb --fsys-tarfile "$tmp"/texlive-lang-chinese_*.deb \
      | tar -x -C "$tmp/x" --wildcards '*/fandol/Fandol*.otf'
    find "$tmp/x" -name 'Fandol*.otf' ! -name 'FandolBraille*' -exec cp {} "$FONT_DIR/" \;
  else
    echo "could not download texlive-lang-chinese (run apt-get update?): reports render with Noto CJK instead" >&2
  fi
fi
