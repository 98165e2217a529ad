"""The finance console on the platform host (invoice runs, invoices, their life) and a client admin's
own invoices on the tenant host. Thin: billing.selectors reads, billing.services acts."""
