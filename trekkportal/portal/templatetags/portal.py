"""The portal's template filters: ``{% load portal %}``."""

from django import template

from trekkportal.lib.sizes import format_size

register = template.Library()


@register.filter
def filesize(size: int | None) -> str:
    """A file size as the portal writes it everywhere ("1,2 MB"; see ``format_size``)."""
    return format_size(size)
