from django import template

from .. import identifiers

register = template.Library()


@register.simple_tag
def username_signs_in() -> bool:
    """Whether the site takes a person's login (username) at sign-in.

    The account page shows the login only then: shown otherwise, it reads like a way
    in that the sign-in page refuses.
    """
    return identifiers.USERNAME in identifiers.enabled()
