#!/bin/sh
# System packages the test suite drives for real: a Redis server (RQ launcher, ledger),
# headless Chromium (report.html), tesseract (OCR of rendered frames), FriBiDi (text shaping). Installed only
# when missing, so a machine that has them runs nothing here.
set -e
need=""
command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v tesseract >/dev/null 2>&1 || need="$need tesseract-ocr"
ldconfig -p 2>/dev/null | grep -q "libfribidi.so.0 " || need="$need libfribidi0"  # Pillow's RAQM text layout loads it
[ -z "$need" ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
