#!/usr/bin/env bash
# Creates (idempotently) the virtualenv of tests/cds/requirements.txt and validates the FHIR resources the
# CDS Hooks integration tests wrote: tests/cds/validate_fhir.sh [DIR] (default $CARGO_TARGET_DIR/tmp/cds-fhir).
set -euo pipefail
cd "$(dirname "$0")/../.."
TARGET="${CARGO_TARGET_DIR:-target}"
DIR="${1:-$TARGET/tmp/cds-fhir}"
VENV="${WARRANT_FHIR_VENV:-$TARGET/fhir-venv}"
if [ ! -x "$VENV/bin/python" ] || ! cmp -s tests/cds/requirements.txt "$VENV/requirements.txt"; then
  python3 -m venv "$VENV" || { apt-get install -y -qq python3-venv && python3 -m venv "$VENV"; }
  "$VENV/bin/pip" install -q -r tests/cds/requirements.txt
  cp tests/cds/requirements.txt "$VENV/requirements.txt"
fi
"$VENV/bin/python" tests/cds/validate_fhir.py "$DIR"
