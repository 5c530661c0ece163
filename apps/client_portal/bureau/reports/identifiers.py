"""The subject of an order: a person by IDNP or a company by IDNO (bureau.identifiers)."""

from apps.client_portal.bureau.identifiers import validate_idno, validate_idnp

# The kind of ``DebtIdentifier`` that names a subject of each kind.
IDENTIFIER_KIND = {"person": "idnp", "company": "idno"}


def validate(subject_kind: str, value: str) -> str:
    """The compact form of ``value`` as the identifier of ``subject_kind``, or raise."""
    return (validate_idno if subject_kind == "company" else validate_idnp)(value)
