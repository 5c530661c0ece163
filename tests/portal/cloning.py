"""Copy any model row, altering what must stay unique, to grow a list without per-model code."""

import uuid

from django.db import models


def _fresh(field, value, token):
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.EmailField):
        return f"c{token}.{value}"[: field.max_length]
    if isinstance(field, (models.CharField, models.SlugField, models.TextField)):
        limit = field.max_length or 200
        text = f"{token}{value or ''}"
        return text[:limit]
    if isinstance(field, models.IntegerField):
        top = field.model._default_manager.aggregate(m=models.Max(field.attname))["m"] or 0
        return top + 1
    raise NotImplementedError(f"cannot make a fresh value for {field!r}")


def _unique_sets(model):
    """Field-name tuples whose combined value must be unique."""
    sets = [tuple(names) for names in model._meta.unique_together]
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", None)
        if isinstance(constraint, models.UniqueConstraint) and fields:
            sets.append(tuple(fields))
    return sets


def _preference(field):
    """Which field of a unique set to make fresh: free text first, a related row last."""
    if field.is_relation:
        return 3
    if field.choices or isinstance(field, models.BooleanField):
        return 9
    if isinstance(field, (models.CharField, models.TextField)):
        return 0
    if isinstance(field, (models.IntegerField, models.UUIDField)):
        return 1
    return 9


def clone(obj, keep=()):
    """Save a copy of ``obj`` with a new pk and fresh unique values; returns the copy.

    ``keep`` names fields to leave as they are (the tenancy path), so the copy stays
    in the same organization; a multi-field unique set is made fresh through one
    of its other fields (free text, a number, else a cloned related row).
    """
    model = type(obj)
    token = uuid.uuid4().hex[:8]
    # A new instance rather than the loaded one: models that remember their loaded
    # state (to refuse changes to published records) see a plain insert.
    values = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields
              if not f.primary_key}
    copy = model(**values)
    m2m = {f.name: list(getattr(obj, f.name).all()) for f in model._meta.many_to_many}
    for field in model._meta.concrete_fields:
        if field.primary_key or not field.unique:
            continue
        value = getattr(copy, field.attname)
        if value is None and field.null:
            continue
        if field.is_relation:
            setattr(copy, field.name, clone(getattr(obj, field.name)))
        else:
            setattr(copy, field.attname, _fresh(field, value, token))
    for names in _unique_sets(model):
        fields = sorted((model._meta.get_field(n) for n in names if n not in keep),
                        key=_preference)
        if not fields or _preference(fields[0]) == 9:
            raise NotImplementedError(f"{model.__name__}: cannot make {names} unique")
        field = fields[0]
        if field.is_relation:
            setattr(copy, field.name, clone(getattr(obj, field.name)))
        else:
            setattr(copy, field.attname, _fresh(field, getattr(copy, field.attname), token))
    copy.save()
    for name, related in m2m.items():
        getattr(copy, name).set(related)
    return copy
