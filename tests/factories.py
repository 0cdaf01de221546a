import factory
from django.contrib.auth import get_user_model

from api.keys import create_api_key
from clients.models import Client, Contact, Site
from tenants.models import StaffMembership, Tenant
from tenants.roles import Role
from tenants.scope import tenant_scope

PASSWORD = "correct horse battery staple"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Integrator {n}")
    slug = factory.Sequence(lambda n: f"integrator-{n}")
    timezone = "America/New_York"
    currency = "USD"
    country = "US"
    subdivision = "NY"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TenantOwnedFactory(factory.django.DjangoModelFactory):
    """Creates the row inside its tenant's scope, as the app does (RLS checks the insert)."""

    class Meta:
        abstract = True

    tenant = factory.SubFactory(TenantFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with tenant_scope(kwargs["tenant"]):
            return super()._create(model_class, *args, **kwargs)


class StaffMembershipFactory(TenantOwnedFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class ClientFactory(TenantOwnedFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n} Residence")
    email = factory.Sequence(lambda n: f"office{n}@client.example")
    managed_endpoints = 25


class ContactFactory(TenantOwnedFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    tenant = factory.SelfAttribute("client.tenant")
    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@client.example")
    can_sign = True


class SiteFactory(TenantOwnedFactory):
    class Meta:
        model = Site

    client = factory.SubFactory(ClientFactory)
    tenant = factory.SelfAttribute("client.tenant")
    name = "Main residence"
    address_line1 = "12 Harbor Lane"
    city = "Rye"
    region = "NY"
    postal_code = "10580"
    timezone = "America/New_York"


def api_key_for(tenant, scopes=("read", "write"), name="Partner"):
    """(ApiKey, clear key) for a tenant."""
    with tenant_scope(tenant):
        return create_api_key(name=name, scopes=list(scopes))
