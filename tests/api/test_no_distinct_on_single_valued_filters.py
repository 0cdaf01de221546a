"""No API filter adds DISTINCT for a field that holds one value per row: django-filter's
MultipleChoiceFilter does by default, and on a big tenant that DISTINCT is a sort of every matching row
(issue 18: 1.1 s for `?status=closed` at a million tickets, 0.2 ms without)."""

from django_filters import MultipleChoiceFilter

from config.api_urls import router


def multi_valued(model, path: str) -> bool:
    """Whether a lookup path crosses a to-many relation (where DISTINCT is needed against duplicates)."""
    for name in path.split("__"):
        field = model._meta.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


def test_no_multiple_choice_filter_on_a_single_valued_field_asks_for_distinct():
    offending, checked = [], 0
    for _, viewset, _ in router.registry:
        filterset = getattr(viewset, "filterset_class", None)
        if filterset is None:
            continue
        for name, filter_ in filterset.base_filters.items():
            if isinstance(filter_, MultipleChoiceFilter):
                checked += 1
                if filter_.distinct and not multi_valued(filterset._meta.model, filter_.field_name):
                    offending.append(f"{filterset.__name__}.{name}")
    assert offending == [], "set distinct=False on these filters"
    assert checked >= 5
