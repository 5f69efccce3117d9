"""Validates every FHIR resource the CDS Hooks tests wrote (one JSON file each) as FHIR R4 (4.0.1) with
the independent library fhir.resources: unknown elements, wrong types, invalid codes of required
bindings and missing required elements fail. Usage: validate_fhir.py DIR (run by .ci/run after the
tests; DIR is $CARGO_TARGET_DIR/tmp/cds-fhir). Fails when DIR holds no resource, so the check cannot
pass by not running."""

import json
import pathlib
import sys

import fhir.resources
from fhir.resources import construct_fhir_element


def main() -> int:
    assert fhir.resources.__fhir_version__ == "4.0.1", fhir.resources.__fhir_version__
    directory = pathlib.Path(sys.argv[1])
    files = sorted(directory.glob("*.json"))
    if not files:
        print(f"no FHIR resources in {directory}: did the CDS Hooks tests run?", file=sys.stderr)
        return 1
    failures = 0
    types = {}
    for path in files:
        data = json.loads(path.read_text())
        resource_type = data.get("resourceType")
        try:
            construct_fhir_element(resource_type, data)
            types[resource_type] = types.get(resource_type, 0) + 1
        except Exception as error:  # the library's validation errors, reported per file
            failures += 1
            print(f"INVALID {path.name} ({resource_type}): {error}", file=sys.stderr)
    print(f"fhir.resources {fhir.resources.__version__} (FHIR {fhir.resources.__fhir_version__}): "
          f"{len(files) - failures}/{len(files)} resources valid {types}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
