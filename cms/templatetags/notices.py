from django import template

from cms.search import highlight

register = template.Library()


@register.filter(name="highlight")
def highlight_filter(text, terms):
    """``{{ n.title|highlight:terms }}``: the search words of the results page marked in the text."""
    return highlight(str(text or ""), list(terms or []))
