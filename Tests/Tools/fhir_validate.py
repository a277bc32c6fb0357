#!/usr/bin/env python3
"""Validate FHIR R4 Consent resources (or Bundles of them) with an independent implementation.

Uses the `fhir.resources` package (pydantic models generated from the FHIR specification),
its R4B models: R4B's Consent and Bundle are the R4 definitions unchanged. Written apart
from the Swift code so that CareLedger's exports are checked by someone else's reading
of the spec (Specs/consent.md section 4.8).

Usage: fhir_validate.py FILE...
Exit codes: 0 every file valid; 1 some file invalid (one line per fault on stderr);
2 usage or unreadable file; 77 fhir.resources (with R4B models) is not installed.
"""
import json
import sys

try:
    import fhir.resources
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.consent import Consent
except ImportError as error:  # the Swift test skips on 77
    print(f"fhir.resources with R4B models is not importable: {error}", file=sys.stderr)
    sys.exit(77)


def validate(path):
    """Returns a list of fault strings for one file (empty when valid)."""
    with open(path, "rb") as handle:
        data = json.load(handle)
    kind = data.get("resourceType") if isinstance(data, dict) else None
    faults = []
    try:
        if kind == "Consent":
            Consent.model_validate(data)
        elif kind == "Bundle":
            Bundle.model_validate(data)
            for index, entry in enumerate(data.get("entry", [])):
                resource = entry.get("resource", {})
                if resource.get("resourceType") != "Consent":
                    faults.append(f"entry[{index}] is not a Consent")
                    continue
                Consent.model_validate(resource)
        else:
            faults.append("not a Consent or Bundle")
    except Exception as error:  # pydantic.ValidationError and friends
        faults.append(" ".join(str(error).split()))
    return faults


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    failed = False
    for path in argv[1:]:
        try:
            faults = validate(path)
        except (OSError, ValueError) as error:
            print(f"{path}: cannot read: {error}", file=sys.stderr)
            return 2
        for fault in faults:
            print(f"{path}: {fault}", file=sys.stderr)
        failed = failed or bool(faults)
    print(f"fhir.resources {fhir.resources.__version__} (R4B models): "
          f"{'invalid' if failed else 'valid'}: {len(argv) - 1} file(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
