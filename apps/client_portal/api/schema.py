"""OpenAPI details drf-spectacular cannot guess: the API key scheme and enum names."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from apps.client_portal.core.registry import registry


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.client_portal.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key cp_<prefix>_<secret>`; the header `X-Api-Key: "
            "cp_<prefix>_<secret>` works too.",
        }


def enum_name_overrides() -> dict:
    """One component name per choice set of the registered models.

    Without them, two fields called "kind" with different choices collide and
    drf-spectacular invents names such as "Kind520Enum". A set shared by fields
    of the same name (roles) is named after the field alone.
    """
    fields_by_set = {}
    for resource in registry:
        for field in resource.model._meta.concrete_fields:
            if not field.choices:
                continue
            # drf-spectacular tells choice sets apart by (value, label) pairs.
            choices = [(value, label) for value, label in field.flatchoices
                       if value not in ("", None)]
            key = tuple((str(value), str(label)) for value, label in choices)
            fields_by_set.setdefault(key, [choices]).append((resource.model, field))
    overrides = {}
    for choices, *fields in fields_by_set.values():
        names = {field.name for _model, field in fields}
        camel = "".join(part.capitalize() for part in fields[0][1].name.split("_"))
        name = f"{camel}Enum" if len(fields) > 1 and len(names) == 1 else (
            f"{fields[0][0].__name__}{camel}Enum"
        )
        if name in overrides:
            continue
        overrides[name] = choices
    return overrides


def install_enum_name_overrides():
    """Add the generated names to SPECTACULAR_SETTINGS, keeping any set by hand."""
    configured = settings.SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})
    for name, choices in enum_name_overrides().items():
        configured.setdefault(name, choices)
