"""Benchmarks of tenancy: provisioning by clone versus migration, and fleet migration."""

from __future__ import annotations

from django.core.management import call_command
from django.test import override_settings

from saas.bench import progress, report, summary, timed
from tenants.models import Client, Domain
from tenants.services import do_provision_tenant, domain_for
from tenants.uscc import check_character


def _register(index: int, prefix: str) -> Client:
    """A registered, not yet provisioned tenant, without queueing it (no worker may pick it up)."""
    slug = f"{prefix}{index:04d}"
    body = f"91310000MA{index:07d}"
    client = Client.objects.create(slug=slug, legal_name=f"{slug} 有限公司", uscc=body + check_character(body),
                                   business_type=Client.BusinessType.SELF_USE, schema_name=f"tenant_{slug}")
    Domain.objects.create(domain=domain_for(slug), tenant=client, is_primary=True)
    return client


def _migrate_new_schema(client_id: int) -> None:
    """The way without a template: django-tenants creates the schema and runs every migration in it."""
    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
        Client.objects.get(pk=client_id).create_schema(verbosity=0)


def _provision_many(count: int, prefix: str, description: str, *, offset: int = 0,
                    provision=lambda client_id: do_provision_tenant(client_id=client_id)) -> list[float]:
    samples = []
    with progress(description) as bar:
        task = bar.add_task("", total=count)
        for index in range(count):
            client = _register(offset + index, prefix)
            samples.append(timed(provision, client.pk))
            bar.advance(task)
    return samples


def provisioning(*, clones: int = 50, migrations: int = 5, output=None) -> dict:
    cloned = _provision_many(clones, "clone", "provision by template clone")
    migrated = _provision_many(migrations, "mig", "provision by migrating", offset=clones,
                               provision=_migrate_new_schema)
    results = {"clone": summary(cloned), "migrate": summary(migrated)}
    results["migrate_over_clone_p50"] = round(results["migrate"]["p50_s"] / results["clone"]["p50_s"], 1)
    results["target_clone_p50_s"] = 1.0
    results["target_met"] = results["clone"]["p50_s"] <= 1.0
    rows = [(way, str(r["n"]), f"{r['p50_s']:.3f}", f"{r['p95_s']:.3f}", f"{r['max_s']:.3f}")
            for way, r in (("clone", results["clone"]), ("migrate", results["migrate"]))]
    rows.append(("ratio p50", "", f"{results['migrate_over_clone_p50']}×", "", ""))
    report("provisioning", parameters={"clones": clones, "migrations": migrations}, results=results,
           header=("way", "tenants", "p50 s", "p95 s", "max s"), rows=rows, output=output)
    return results


def fleet_migrate(*, tenants: int = 200, repeats: int = 3, output=None) -> dict:
    # The set-up's clone times show how cloning scales with the number of schemas already there.
    set_up = _provision_many(tenants, "fleet", "set-up: provision tenants")
    ours = [timed(call_command, "migrate_fleet", verbosity=0) for _ in range(repeats)]
    stock = timed(call_command, "migrate_schemas", tenant=True, interactive=False, verbosity=0)
    results = {
        "schemas": tenants + 1,  # and the template
        "migrate_fleet_s": summary(ours),
        "migrate_schemas_s": round(stock, 3),
        "speed_up": round(stock / summary(ours)["p50_s"], 1),
        "target_speed_up": 10,
        "set_up_clone_first_50_s": summary(set_up[:50]),
        "set_up_clone_last_50_s": summary(set_up[-50:]),
    }
    results["target_met"] = results["speed_up"] >= 10
    rows = [
        (f"saas migrate_fleet (median of {repeats})", f"{results['migrate_fleet_s']['p50_s']:.3f}"),
        ("django-tenants migrate_schemas", f"{stock:.3f}"),
        ("speed-up", f"{results['speed_up']}×"),
    ]
    report("fleet-migrate", parameters={"tenants": tenants, "repeats": repeats}, results=results,
           header=("command, all schemas current", "seconds"), rows=rows, output=output)
    return results
