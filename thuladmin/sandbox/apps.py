from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "thuladmin.sandbox"
    label = "sandbox"

    def ready(self) -> None:
        from thuladmin.sandbox.transport import InProcessTransport
        from thuladmin.thulium import in_process_sandbox_register

        in_process_sandbox_register(InProcessTransport)
