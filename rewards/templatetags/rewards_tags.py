from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def reward_section(context, section):
    """Render a program's section (``rewards.sections.RenderedSection``): its template sees the page's
    context, the keys of the dict its ``build`` returned, and ``section`` itself."""
    rendered = context.template.engine.get_template(section.template)
    with context.push(section=section, **section.context):
        return rendered.render(context)
