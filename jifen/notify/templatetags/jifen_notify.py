from django import template

from jifen.notify.tasks import schedule_label

register = template.Library()


@register.filter
def schedule(when) -> str:
    return schedule_label(when)
