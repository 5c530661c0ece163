"""Pages and API endpoints of this module beyond those the registry generates.

Included at the site's root (config/urls.py), before the core's: each path here
carries its full prefix.
"""

urlpatterns: list = []
