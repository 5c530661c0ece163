"""A browser's identification string, summed up as a person says it: "Chrome on Linux".

A few rules over the tokens browsers have sent for years; no database of devices.
What it does not recognise it calls by its first product token ("curl"), or "Unknown
browser", never the whole string.
"""

import re

from django.utils.translation import gettext as _

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = [
    (re.compile(r"\bEdg(?:e|A|iOS)?/"), "Edge"),
    (re.compile(r"\b(?:OPR|Opera)/"), "Opera"),
    (re.compile(r"\bSamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"\bYaBrowser/"), "Yandex Browser"),
    (re.compile(r"\b(?:Firefox|FxiOS)/"), "Firefox"),
    (re.compile(r"\bHeadlessChrome/"), "Headless Chrome"),
    (re.compile(r"\bChromium/"), "Chromium"),
    (re.compile(r"\b(?:Chrome|CriOS)/"), "Chrome"),
    (re.compile(r"\bVersion/[\d.]+.*\bSafari/"), "Safari"),
    (re.compile(r"\bMSIE |\bTrident/"), "Internet Explorer"),
]
_SYSTEMS = [
    (re.compile(r"\biPhone\b"), "iPhone"),
    (re.compile(r"\biPad\b"), "iPad"),
    (re.compile(r"\bAndroid\b"), "Android"),
    (re.compile(r"\bCrOS\b"), "ChromeOS"),
    (re.compile(r"\bWindows\b"), "Windows"),
    (re.compile(r"\bMac OS X\b|\bMacintosh\b"), "macOS"),
    (re.compile(r"\bLinux\b|\bX11\b"), "Linux"),
]
_PRODUCT = re.compile(r"^([A-Za-z][\w.-]{0,40})(?:/|\s|$)")


def summary(user_agent: str) -> str:
    """``user_agent`` as "<browser> on <system>" in the active language."""
    text = (user_agent or "").strip()
    if not text:
        return ""
    browser = next((name for pattern, name in _BROWSERS if pattern.search(text)), "")
    system = next((name for pattern, name in _SYSTEMS if pattern.search(text)), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    if browser:
        return browser
    if system:
        return _("A browser on %(system)s") % {"system": system}
    product = _PRODUCT.match(text)
    if product and product.group(1) != "Mozilla":
        return product.group(1)
    return _("Unknown browser")
