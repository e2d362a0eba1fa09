"""Who may do what with bulk jobs. The rule, the same in the README and the tests:

- a job of a kind may be created, started, cancelled, retried and read by whoever may run that
  kind (`BulkKind.may_run`): colleagues share a campaign's work, and the audit log says who did
  what;
- auditors may read every job's page and export, read-only, because the audit log's entries
  about a job summarise it and the per-item outcomes are the evidence behind them; they never
  change a job, and the jobs list (a tool for those who run jobs) is not theirs.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from thuladmin.accounts import roles
from thuladmin.bulk.kinds import kind_for, kinds_user_may_run
from thuladmin.bulk.models import BulkJob

User = AbstractBaseUser | AnonymousUser


def may_change_job(user: User, job: BulkJob) -> bool:
    try:
        kind = kind_for(job.kind)
    except KeyError:  # a kind no longer installed: its jobs are history
        return False
    return kind.may_run(user)


def may_read_job(user: User, job: BulkJob) -> bool:
    return may_change_job(user, job) or roles.has_role(user, roles.Role.AUDITORS)


def may_open_jobs_list(user: User) -> bool:
    return bool(kinds_user_may_run(user))
