#!/bin/sh
# Generate a self-signed certificate for `dvemu --tls CERT KEY` (127.0.0.1 and localhost).
# Usage: tests/emulator/gen_cert.sh OUTDIR   -> OUTDIR/dvemu-cert.pem OUTDIR/dvemu-key.pem
set -e
OUT=${1:-.}
mkdir -p "$OUT"
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$OUT/dvemu-key.pem" -out "$OUT/dvemu-cert.pem" >/dev/null 2>&1
echo "$OUT/dvemu-cert.pem $OUT/dvemu-key.pem"
