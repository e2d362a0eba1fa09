"""One campaign's records, a page a module: the records list (`list`, with its filters in
`filters` and its reads from Thulium in `listing`), the record page (`page`, what it shows;
`edit`, sending an edit from it), and deleting a record (`delete`); `address` is what every
record page does first, `changes` words a record edit's audit entry.

The campaign copy (the snapshot that makes records findable) is not here but beside this
package, in `campaigns.snapshots`, `campaigns.reads`, `campaigns.leases` and `campaigns.tasks`:
it is no record page's but the campaign's, used by the campaign page (its search and its
refresh control), by the record pages (a record's last known values) and by the remove-numbers
kind (which forgets what it removed), and `campaigns.tasks` must keep its dotted path, which
every queued read stores in the task queue's database table.
"""
