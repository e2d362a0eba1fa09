from django.contrib.auth import get_user_model

from thuladmin.bulk.models import BulkJob
from thuladmin.sandbox.models import Customer, Record
from thuladmin.sandbox.routers import SandboxRouter


def test_sandbox_models_go_to_the_sandbox_database():
    router = SandboxRouter()

    assert router.db_for_read(Record) == "sandbox"
    assert router.db_for_write(Customer) == "sandbox"


def test_other_models_are_left_to_the_default():
    router = SandboxRouter()

    assert router.db_for_read(BulkJob) is None
    assert router.db_for_write(get_user_model()) is None


def test_each_database_migrates_only_its_own_tables():
    router = SandboxRouter()

    assert router.allow_migrate("sandbox", "sandbox")
    assert not router.allow_migrate("default", "sandbox")
    assert router.allow_migrate("default", "bulk")
    assert not router.allow_migrate("sandbox", "auth")
