"""Validates frab schedules against the c3voc schemas in tests/support/frab/ (voc/schedule,
EUPL-1.2, see LICENCE.txt there): `validate_frab.py schedule.json schedule.xml`.

The JSON with `jsonschema` (the draft the schema names, formats checked where the package can),
the XML with `xmlschema` (XSD 1.0, identity constraints included). Prints nothing and exits 0
when both are valid; otherwise prints every error and exits 1. A missing package is an error.
"""
import json
import pathlib
import sys

import jsonschema
import xmlschema

HERE = pathlib.Path(__file__).resolve().parent / "frab"


def main(json_path: str, xml_path: str) -> int:
    failures = []
    schema = json.loads((HERE / "schema.json").read_text(encoding="utf-8"))
    document = json.loads(pathlib.Path(json_path).read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    for error in validator.iter_errors(document):
        failures.append(f"schedule.json {list(error.absolute_path)}: {error.message}")
    xsd = xmlschema.XMLSchema10(str(HERE / "schedule.xml.xsd"))
    for error in xsd.iter_errors(xml_path):
        failures.append(f"schedule.xml {error.path}: {error.reason}")
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
