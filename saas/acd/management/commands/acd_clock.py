"""`saas acd_clock`: the ACD's deadlines (ring timeouts, after-call work, maximum waits), for every tenant."""

import signal
import threading

from django.core.management.base import BaseCommand

from saas.acd import clock


class Command(BaseCommand):
    help = "Run the ACD's clock: ring timeouts, the end of after-call work, overflow after the maximum wait."

    def handle(self, *args, **options):
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write("ACD clock running")
        clock.run(stop)
